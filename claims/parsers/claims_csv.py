"""The `factures` CSV (transmitted invoices exported by the LGO) → `ClaimRow`.

Stream with `iter_claim_rows` (constant memory, for COPY into a staging table)
or read a whole file with `parse_claims`. A row with any problem is not
yielded; each of its problems is, so the user sees every bad row at once.
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
    parse_rpps,
    split_nir,
)
from core.money import parse_decimal
from core.problems import MAX_IMPORT_BYTES, ParseResult, Problem, check_size, collect
from core.text import CsvFile, parse_date

# Column (normalised header name) → required.
CLAIM_COLUMNS = {
    "finess": True,
    "facture": True,
    "lot": False,
    "date_soins": True,
    "date_transmission": True,
    "nir": True,
    "rang": False,
    "patient": True,
    "payeur": True,
    "organisme": True,
    "organisme_nom": False,
    "montant": True,
    "operateur": True,
    "prescripteur": False,
}


@dataclass(slots=True)  # not frozen: a frozen __init__ costs 4 µs a row
class ClaimRow:
    """One valid row of a `factures` file; field names follow `claims.models.Claim`."""

    line: int
    finess: str
    invoice_number: str
    lot_number: str  # "" when absent
    care_date: date
    transmission_date: date
    nir: str  # 13 characters
    nir_key: str  # 2 digits
    birth_rank: int | None
    patient_name: str
    payer_kind: str  # "AMO" | "AMC"
    organism_code: str  # AMO 9 digits; AMC 10 characters, zero-padded
    organism_name: str  # "" when absent
    amount_claimed: Decimal
    operator_code: str
    prescriber_rpps: str  # "" when absent


def iter_claim_rows(
    source: bytes | BinaryIO, *, expected_finess: str, check_duplicates: bool = True
) -> Iterator[ClaimRow | Problem]:
    """Yield a `ClaimRow` per valid row and a `Problem` per fault, in file order.

    File-level faults (empty, header only, missing column, bad encoding or
    separator) raise `ImportFileError`. `check_duplicates` keeps one small
    int per row (≈100 bytes): turn it off for multi-million-row files and let
    the staging table's GROUP BY find duplicates instead.
    """
    expected = normalize_finess(expected_finess)
    csv_file = CsvFile(source, columns=CLAIM_COLUMNS)
    ix = csv_file.index
    i_finess, i_invoice, i_lot = ix["finess"], ix["facture"], ix["lot"]
    i_care, i_sent, i_nir, i_rank = ix["date_soins"], ix["date_transmission"], ix["nir"], ix["rang"]
    i_patient, i_kind, i_org, i_org_name = (
        ix["patient"],
        ix["payeur"],
        ix["organisme"],
        ix["organisme_nom"],
    )
    i_amount, i_operator, i_rpps = ix["montant"], ix["operateur"], ix["prescripteur"]
    first_line_of: dict[int, int] = {}

    for row in csv_file.rows():
        if isinstance(row, Problem):  # as many fields as the header, or nothing read
            yield row
            continue
        line, f = row
        problems: list[Problem] = []
        # Each check records its problem and the row goes on being checked.
        try:
            finess = check_finess(f[i_finess], expected)
        except ValueError as e:
            problems.append(Problem(line, "finess", str(e)))
        try:
            invoice = parse_invoice_number(f[i_invoice])
        except ValueError as e:
            problems.append(Problem(line, "facture", str(e)))
            invoice = None
        try:
            care_date = parse_date(f[i_care])
        except ValueError as e:
            problems.append(Problem(line, "date_soins", str(e)))
        try:
            sent_date = parse_date(f[i_sent])
        except ValueError as e:
            problems.append(Problem(line, "date_transmission", str(e)))
        try:
            nir, nir_key = split_nir(f[i_nir])
        except ValueError as e:
            problems.append(Problem(line, "nir", str(e)))
        rank = None
        if i_rank is not None and (raw_rank := f[i_rank].strip()):
            if len(raw_rank) == 1 and raw_rank in "123456789":
                rank = int(raw_rank)
            else:
                problems.append(Problem(line, "rang", f"rang « {raw_rank} » : 1 chiffre attendu"))
        patient = f[i_patient].strip()
        if not patient:
            problems.append(Problem(line, "patient", "valeur obligatoire manquante"))
        try:
            kind = parse_payer_kind(f[i_kind])
        except ValueError as e:
            problems.append(Problem(line, "payeur", str(e)))
            kind = None
        if kind is not None:
            try:
                organism = normalize_organism_code(f[i_org], kind)
            except ValueError as e:
                problems.append(Problem(line, "organisme", str(e)))
        try:
            amount = parse_decimal(f[i_amount])
            if amount < 0:
                problems.append(
                    Problem(line, "montant", f"montant négatif ({f[i_amount].strip()})")
                )
        except ValueError as e:
            problems.append(Problem(line, "montant", str(e)))
        operator = f[i_operator].strip()
        if not operator:
            problems.append(Problem(line, "operateur", "valeur obligatoire manquante"))
        rpps = ""
        if i_rpps is not None and f[i_rpps].strip():
            try:
                rpps = parse_rpps(f[i_rpps])
            except ValueError as e:
                problems.append(Problem(line, "prescripteur", str(e)))

        if check_duplicates and invoice is not None and kind is not None:
            key = int(invoice) * 2 + (kind == "AMC")
            first = first_line_of.setdefault(key, line)
            if first != line:
                problems.append(
                    Problem(
                        line,
                        "facture",
                        f"facture {invoice} ({kind}) en double : déjà présente ligne {first}",
                    )
                )

        if problems:
            yield from problems
            continue
        yield ClaimRow(
            line=line,
            finess=finess,
            invoice_number=invoice,
            lot_number=f[i_lot].strip() if i_lot is not None else "",
            care_date=care_date,
            transmission_date=sent_date,
            nir=nir,
            nir_key=nir_key,
            birth_rank=rank,
            patient_name=patient,
            payer_kind=kind,
            organism_code=organism,
            organism_name=f[i_org_name].strip() if i_org_name is not None else "",
            amount_claimed=amount,
            operator_code=operator,
            prescriber_rpps=rpps,
        )


def parse_claims(
    data: bytes, *, expected_finess: str, max_bytes: int = MAX_IMPORT_BYTES
) -> ParseResult[ClaimRow]:
    """Whole-file convenience over `iter_claim_rows` (previews, tests)."""
    check_size(len(data), max_bytes=max_bytes)
    return collect(iter_claim_rows(data, expected_finess=expected_finess))
