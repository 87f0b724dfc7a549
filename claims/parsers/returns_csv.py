"""The `retours` CSV (payment and rejection returns) → `ReturnRow`.

Same shape as `claims_csv`: `iter_return_rows` streams, `parse_returns` reads
a whole file. Rules by status (formats.md):

- `PAYE`, `PARTIEL`: `montant_paye` ≥ 0, `bordereau` and `date_paiement` required;
- `INDU`: `montant_paye` < 0 (a recovery), `bordereau` and `date_paiement` required
  (the recovery is deducted from a payment slip);
- `REJETE`: `code_rejet` required; no amount needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from claims.parsers.fields import (
    check_finess,
    normalize_finess,
    normalize_organism_code,
    parse_invoice_number,
    parse_payer_kind,
)
from core.money import parse_decimal
from core.problems import MAX_IMPORT_BYTES, ParseResult, Problem, check_size, collect
from core.statuses import (
    MONEY_RETURN_STATUSES,
    RETURN_RECOVERY,
    RETURN_REJECTED,
    RETURN_STATUSES,
)
from core.text import CsvFile, normalize_word, parse_date

RETURN_COLUMNS = {
    "finess": True,
    "facture": True,
    "payeur": True,
    "organisme": True,
    "statut": True,
    "montant_paye": False,
    "code_rejet": False,
    "libelle_rejet": False,
    "bordereau": False,
    "date_paiement": False,
    "date_retour": True,
}

_EXPECTED_STATUSES = ", ".join(RETURN_STATUSES[:-1]) + " ou " + RETURN_STATUSES[-1]


@dataclass(slots=True)
class ReturnRow:
    """One valid row of a `retours` file; field names follow `claims.models.ReturnLine`."""

    line: int
    finess: str
    invoice_number: str
    payer_kind: str
    organism_code: str
    status: str  # one of core.statuses.RETURN_STATUSES
    amount_paid: Decimal | None  # negative for INDU; None for a rejection without amount
    reject_code: str  # "" when absent
    reject_label: str
    slip_reference: str  # the bordereau; "" for a rejection
    payment_date: date | None
    return_date: date


def iter_return_rows(
    source: bytes | BinaryIO, *, expected_finess: str
) -> Iterator[ReturnRow | Problem]:
    """Yield a `ReturnRow` per valid row and a `Problem` per fault, in file order."""
    expected = normalize_finess(expected_finess)
    csv_file = CsvFile(source, columns=RETURN_COLUMNS)
    ix = csv_file.index

    def cell(f: list[str], name: str) -> str:
        i = ix[name]
        return f[i].strip() if i is not None else ""

    for row in csv_file.rows():
        if isinstance(row, Problem):  # as many fields as the header, or nothing read
            yield row
            continue
        line, f = row
        problems: list[Problem] = []
        finess = invoice = kind = organism = return_date = None
        try:
            finess = check_finess(cell(f, "finess"), expected)
        except ValueError as e:
            problems.append(Problem(line, "finess", str(e)))
        try:
            invoice = parse_invoice_number(cell(f, "facture"))
        except ValueError as e:
            problems.append(Problem(line, "facture", str(e)))
        try:
            kind = parse_payer_kind(cell(f, "payeur"))
        except ValueError as e:
            problems.append(Problem(line, "payeur", str(e)))
        if kind is not None:
            try:
                organism = normalize_organism_code(cell(f, "organisme"), kind)
            except ValueError as e:
                problems.append(Problem(line, "organisme", str(e)))
        status = normalize_word(cell(f, "statut"))
        if status not in RETURN_STATUSES:
            problems.append(
                Problem(
                    line,
                    "statut",
                    f"statut « {cell(f, 'statut')} » inconnu (attendu {_EXPECTED_STATUSES})",
                )
            )
        try:
            return_date = parse_date(cell(f, "date_retour"))
        except ValueError as e:
            problems.append(Problem(line, "date_retour", str(e)))

        amount = None
        if raw_amount := cell(f, "montant_paye"):
            try:
                amount = parse_decimal(raw_amount)
            except ValueError as e:
                problems.append(Problem(line, "montant_paye", str(e)))
        payment_date = None
        if raw_payment_date := cell(f, "date_paiement"):
            try:
                payment_date = parse_date(raw_payment_date)
            except ValueError as e:
                problems.append(Problem(line, "date_paiement", str(e)))
        slip = cell(f, "bordereau")
        reject_code = cell(f, "code_rejet")

        if status in MONEY_RETURN_STATUSES:
            if not raw_amount:
                problems.append(
                    Problem(line, "montant_paye", f"obligatoire pour le statut {status}")
                )
            elif amount is not None and status == RETURN_RECOVERY and amount >= 0:
                problems.append(
                    Problem(line, "montant_paye", "un indu doit avoir un montant négatif")
                )
            elif amount is not None and status != RETURN_RECOVERY and amount < 0:
                problems.append(
                    Problem(
                        line, "montant_paye", f"montant négatif pour le statut {status} (indu ?)"
                    )
                )
            if not slip:
                problems.append(Problem(line, "bordereau", f"obligatoire pour le statut {status}"))
            if not raw_payment_date:
                problems.append(
                    Problem(line, "date_paiement", f"obligatoire pour le statut {status}")
                )
        elif status == RETURN_REJECTED and not reject_code:
            problems.append(Problem(line, "code_rejet", "obligatoire pour un rejet"))

        if problems:
            yield from problems
            continue
        yield ReturnRow(
            line=line,
            finess=finess,
            invoice_number=invoice,
            payer_kind=kind,
            organism_code=organism,
            status=status,
            amount_paid=amount,
            reject_code=reject_code,
            reject_label=cell(f, "libelle_rejet"),
            slip_reference=slip,
            payment_date=payment_date,
            return_date=return_date,
        )


def parse_returns(
    data: bytes, *, expected_finess: str, max_bytes: int = MAX_IMPORT_BYTES
) -> ParseResult[ReturnRow]:
    """Whole-file convenience over `iter_return_rows`."""
    check_size(len(data), max_bytes=max_bytes)
    return collect(iter_return_rows(data, expected_finess=expected_finess))
