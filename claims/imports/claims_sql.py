"""Claims (`factures`): parser stream → COPY into TEMP tables → set-based upserts, in chunks.

A claim's natural key is (pharmacy, invoice number, payer kind), the
model's unique constraint. A second import of the same rows updates nothing:
the `DO UPDATE … WHERE … IS DISTINCT FROM …` skips identical rows, so neither
`updated_at` nor `import_batch` moves. What the payers said later (status,
amount paid) is never overwritten by a re-import of the LGO export.

The file goes through in chunks of `CHUNK_ROWS` rows, all in the caller's one
transaction: the parser runs in a thread a chunk or two ahead, each chunk is
COPYed into a TEMP table and upserted while the next one is parsed. Every
chunk's keys are kept in a second TEMP table, where duplicates across the
whole file are found at the end; any problem anywhere and the caller rolls
the whole file back, so a chunk already upserted is never seen by anyone.
"""

from __future__ import annotations

from contextlib import closing
from typing import BinaryIO

from claims.imports.followers import CLAIMS_WRITTEN
from claims.imports.organisms import organisms_create_missing
from claims.imports.result import ImportResult
from claims.imports.staging import (
    analyze_table,
    copy_chunk,
    copy_text,
    create_staging_table,
    duplicate_problems,
    iter_chunks,
    needs_copy_escape,
    pipelined,
    value_problems,
)
from claims.models import Claim, ClaimStatus
from claims.parsers.claims_csv import ClaimRow, iter_claim_rows
from pharmacies.models import Pharmacy

STAGING = "import_claims"  # one chunk at a time
KEYS = "import_claims_keys"  # every row's natural key and line: duplicates across chunks
STAGING_COLUMNS = (
    ("line", "integer"),
    ("invoice_number", "text"),
    ("payer_kind", "text"),
    ("organism_code", "text"),
    ("organism_name", "text"),
    ("lot_number", "text"),
    ("care_date", "date"),
    ("transmission_date", "date"),
    ("patient_name", "text"),
    ("nir", "text"),
    ("nir_key", "text"),
    ("birth_rank", "smallint"),
    ("amount_claimed", "numeric"),  # unbounded here: an overflow is a problem, not an error
    ("operator_code", "text"),
    ("prescriber_rpps", "text"),
)
KEY_COLUMNS = (("line", "integer"), ("invoice_number", "text"), ("payer_kind", "text"))
# Rows per chunk, by measurement (docs/benchmarks.md, "Imports"): large enough
# that each statement's fixed cost vanishes, small enough that parsing the
# next chunk overlaps the upsert of this one.
CHUNK_ROWS = 25_000

# What a re-import may change on an existing claim: what the LGO export says.
DESCRIPTIVE_COLUMNS = (
    "organism_id", "lot_number", "care_date", "transmission_date", "patient_name", "nir",
    "nir_key", "birth_rank", "amount_claimed", "operator_code", "prescriber_rpps",
)

LENGTH_LIMITS = {
    column: (file_column, Claim._meta.get_field(column).max_length)
    for column, file_column in (
        ("lot_number", "lot"), ("patient_name", "patient"), ("operator_code", "operateur"),
    )
}


def _copy_line(row: ClaimRow) -> str:
    """One row as a line of COPY's text format, in STAGING_COLUMNS order.

    Identifiers, dates and amounts were checked by the parser (digits, ISO
    dates, plain decimals); the free-text fields are escaped only when one of
    them needs it (one search per row: formatting is a third of the Python
    side's time otherwise).
    """
    text = (row.organism_code, row.organism_name[:200], row.lot_number, row.patient_name, row.operator_code)
    if needs_copy_escape("".join(text)):
        text = tuple(map(copy_text, text))
    organism, organism_name, lot, patient, operator = text
    rank = "\\N" if row.birth_rank is None else row.birth_rank
    return (
        f"{row.line}\t{row.invoice_number}\t{row.payer_kind}\t{organism}\t{organism_name}\t{lot}\t"
        f"{row.care_date}\t{row.transmission_date}\t{patient}\t{row.nir}\t{row.nir_key}\t{rank}\t"
        f"{row.amount_claimed}\t{operator}\t{row.prescriber_rpps}\n"
    )


def claims_import(
    *, cursor, pharmacy: Pharmacy, batch_id: int, source: BinaryIO, chunk_rows: int | None = None
) -> ImportResult:
    """Stage and upsert a `factures` file, chunk by chunk; the caller commits or rolls back."""
    create_staging_table(cursor, name=STAGING, columns=STAGING_COLUMNS)
    create_staging_table(cursor, name=KEYS, columns=KEY_COLUMNS)
    # Duplicates are found by SQL at the end: the parser's own check keeps a dict per row.
    items = iter_claim_rows(source, expected_finess=pharmacy.finess, check_duplicates=False)
    chunks = iter_chunks(items, to_copy_line=_copy_line, chunk_rows=chunk_rows or CHUNK_ROWS)
    result = ImportResult()
    totals = _Totals()
    organisms: list[str] = []
    rows = created = updated = 0
    refused = False
    with closing(pipelined(chunks)) as stream:
        for chunk in stream:
            result.add_problems(chunk.problems, from_parser=True)
            rows += chunk.rows
            if not chunk.rows:
                continue
            copy_chunk(cursor, table=STAGING, columns=[c for c, _ in STAGING_COLUMNS], chunk=chunk,
                       analyze=rows == chunk.rows)  # the first chunk with rows
            cursor.execute(
                f"INSERT INTO {KEYS} (line, invoice_number, payer_kind)"
                f" SELECT line, invoice_number, payer_kind FROM {STAGING}"
            )
            result.add_problems(
                value_problems(cursor, table=STAGING, lengths=LENGTH_LIMITS, amounts={"amount_claimed": "montant"})
            )
            refused = refused or not result.ok or _has_duplicates(cursor)
            if refused:
                # The file will be refused: keep reading it to report every problem, write nothing more.
                continue
            totals.add(cursor)
            organisms += organisms_create_missing(
                cursor, staging=STAGING, kind="payer_kind", code="organism_code", name="organism_name"
            )
            chunk_created, chunk_updated = _upsert(cursor, pharmacy_id=pharmacy.pk, batch_id=batch_id)
            created += chunk_created
            updated += chunk_updated

    analyze_table(cursor, table=KEYS)  # filled chunk by chunk, grouped once here
    result.add_problems(
        duplicate_problems(
            cursor,
            table=KEYS,
            key=("invoice_number", "payer_kind"),
            describe=lambda key: f"facture {key[0]} ({key[1]})",
            column="facture",
        )
    )
    result.sort_problems()
    result.counts["rows"] = rows + result.parser_lines
    result.counts["refused"] = result.refused_lines
    if not result.ok:
        return result

    result.counts.update(totals.counts())
    result.counts["organisms_created"] = len(organisms)
    if organisms:
        result.notes.append("Nouveaux organismes : " + ", ".join(organisms[:20])
                            + (" …" if len(organisms) > 20 else ""))
    result.counts.update(created=created, updated=updated, unchanged=rows - created - updated)
    if updated:
        # The apps above that keep a copy of a claim's fields follow it (e.g. the
        # rejections' transmission date, for the monthly rates).
        for writer in CLAIMS_WRITTEN:
            writer(cursor, pharmacy_id=pharmacy.pk, import_batch_id=batch_id)
    return result


class _Totals:
    """Amount and dates of the file, summed chunk by chunk."""

    def __init__(self) -> None:
        self.amount = 0
        self.first_day = self.last_day = None

    def add(self, cursor) -> None:
        cursor.execute(
            f"SELECT coalesce(sum(amount_claimed), 0), min(transmission_date), max(transmission_date)"
            f" FROM {STAGING}"
        )
        amount, first_day, last_day = cursor.fetchone()
        self.amount += amount
        if first_day is not None:
            self.first_day = min(filter(None, (self.first_day, first_day)))
            self.last_day = max(filter(None, (self.last_day, last_day)))

    def counts(self) -> dict:
        return {
            "amount": str(self.amount),
            "first_date": self.first_day.isoformat() if self.first_day else "",
            "last_date": self.last_day.isoformat() if self.last_day else "",
        }


def _has_duplicates(cursor) -> bool:
    """A key twice in one chunk would make the upsert fail ("cannot affect row a second time")."""
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {STAGING} GROUP BY invoice_number, payer_kind HAVING count(*) > 1)"
    )
    return cursor.fetchone()[0]


def _upsert(cursor, *, pharmacy_id: int, batch_id: int) -> tuple[int, int]:
    """The chunk into claims_claim; returns (created, updated).

    The database does not check `organism_id` row by row (no foreign key, see
    claims/models.py): every id comes from the join below, and the payers used
    are locked `FOR KEY SHARE` first, which is what the per-row check would
    have done, once per payer instead of once per claim.
    """
    cursor.execute(
        f"""
        SELECT o.id FROM claims_organism o
        WHERE (o.kind, o.code) IN (SELECT DISTINCT payer_kind, organism_code FROM {STAGING})
        ORDER BY o.id
        FOR KEY SHARE
        """
    )
    current = ", ".join(f"c.{col}" for col in DESCRIPTIVE_COLUMNS)
    incoming = ", ".join(f"EXCLUDED.{col}" for col in DESCRIPTIVE_COLUMNS)
    updates = ", ".join(f"{col} = EXCLUDED.{col}" for col in DESCRIPTIVE_COLUMNS)
    cursor.execute(
        f"""
        WITH upserted AS (
            INSERT INTO claims_claim AS c (
                pharmacy_id, invoice_number, payer_kind, organism_id, lot_number, care_date,
                transmission_date, patient_name, nir, nir_key, birth_rank, amount_claimed,
                amount_paid, operator_code, prescriber_rpps, status, import_batch_id,
                created_at, updated_at
            )
            SELECT %(pharmacy)s, s.invoice_number, s.payer_kind, o.id, s.lot_number, s.care_date,
                   s.transmission_date, s.patient_name, s.nir, s.nir_key, s.birth_rank,
                   s.amount_claimed, 0, s.operator_code, s.prescriber_rpps, %(status)s, %(batch)s,
                   now(), now()
            FROM {STAGING} s
            JOIN claims_organism o ON o.kind = s.payer_kind AND o.code = s.organism_code
            ON CONFLICT (pharmacy_id, invoice_number, payer_kind) DO UPDATE
               SET {updates}, import_batch_id = EXCLUDED.import_batch_id, updated_at = now()
               WHERE ({current}) IS DISTINCT FROM ({incoming})
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
        """,
        {"pharmacy": pharmacy_id, "batch": batch_id, "status": ClaimStatus.TRANSMITTED},
    )
    return cursor.fetchone()
