"""Claims (`factures`): parser stream → COPY into a TEMP table → one set-based upsert.

A claim's natural key is (pharmacy, invoice number, payer kind), the
model's unique constraint. A second import of the same rows updates nothing:
the `DO UPDATE … WHERE … IS DISTINCT FROM …` skips identical rows, so neither
`updated_at` nor `import_batch` moves. What the payers said later (status,
amount paid) is never overwritten by a re-import of the LGO export.
"""

from __future__ import annotations

from typing import BinaryIO

from claims.imports.organisms import organisms_create_missing
from claims.imports.result import ImportResult
from claims.imports.staging import (
    copy_stream,
    create_staging_table,
    duplicate_problems,
    value_problems,
)
from claims.parsers.claims_csv import ClaimRow, iter_claim_rows
from claims.models import Claim, ClaimStatus
from pharmacies.models import Pharmacy

STAGING = "import_claims"
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


def _as_tuple(row: ClaimRow) -> tuple:
    return (
        row.line, row.invoice_number, row.payer_kind, row.organism_code, row.organism_name[:200],
        row.lot_number, row.care_date, row.transmission_date, row.patient_name, row.nir,
        row.nir_key, row.birth_rank, row.amount_claimed, row.operator_code, row.prescriber_rpps,
    )


def claims_import(*, cursor, pharmacy: Pharmacy, batch_id: int, source: BinaryIO) -> ImportResult:
    """Stage and upsert a `factures` file; the caller commits or rolls back."""
    create_staging_table(cursor, name=STAGING, columns=STAGING_COLUMNS)
    # Duplicates are found by SQL below: the parser's own check keeps a dict per row.
    items = iter_claim_rows(source, expected_finess=pharmacy.finess, check_duplicates=False)
    streamed = copy_stream(
        cursor, table=STAGING, columns=[c for c, _ in STAGING_COLUMNS], items=items, to_tuple=_as_tuple
    )
    result = ImportResult(problems=streamed.problems, problem_count=streamed.problem_count)
    result.add_problems(
        value_problems(cursor, table=STAGING, lengths=LENGTH_LIMITS, amounts={"amount_claimed": "montant"})
    )
    result.add_problems(
        duplicate_problems(
            cursor,
            table=STAGING,
            key=("invoice_number", "payer_kind"),
            describe=lambda key: f"facture {key[0]} ({key[1]})",
            column="facture",
        )
    )
    result.sort_problems()
    result.counts["rows"] = streamed.rows
    if not result.ok:
        return result

    cursor.execute(
        f"SELECT coalesce(sum(amount_claimed), 0), min(transmission_date), max(transmission_date) FROM {STAGING}"
    )
    total, first_day, last_day = cursor.fetchone()
    result.counts["amount"] = str(total)
    result.counts["first_date"] = first_day.isoformat() if first_day else ""
    result.counts["last_date"] = last_day.isoformat() if last_day else ""

    created_organisms = organisms_create_missing(
        cursor, staging=STAGING, kind="payer_kind", code="organism_code", name="organism_name"
    )
    result.counts["organisms_created"] = len(created_organisms)
    if created_organisms:
        result.notes.append("Nouveaux organismes : " + ", ".join(created_organisms[:20])
                            + (" …" if len(created_organisms) > 20 else ""))

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
        {"pharmacy": pharmacy.pk, "batch": batch_id, "status": ClaimStatus.TRANSMITTED},
    )
    created, updated = cursor.fetchone()
    result.counts.update(created=created, updated=updated, unchanged=streamed.rows - created - updated)
    return result
