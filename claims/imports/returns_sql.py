"""Returns (`retours`): parser stream → COPY into a TEMP table → set-based writes.

In one transaction, in this order:
1. payers unknown to the table are created;
2. payment slips (bordereaux), one per (pharmacy, organism, reference), written by
   their owner (payments registers its `SlipsWriter`, claims.imports.followers);
3. return lines, upserted on their natural key (the model's `unique_return_line`);
   `claim` is set when the claim is already imported, else left NULL for the
   nightly matching (`claims.returns`) to find later;
4. the totals and line counts of the slips the file touched, from their lines, in SQL
   (by the slips' owner again).
"""

from __future__ import annotations

from typing import BinaryIO

from claims.imports.followers import slips_writer
from claims.imports.organisms import organisms_create_missing
from claims.imports.result import ImportResult
from claims.imports.staging import (
    copy_stream,
    create_staging_table,
    duplicate_problems,
    value_problems,
)
from claims.models import ReturnLine
from claims.parsers.returns_csv import ReturnRow, iter_return_rows
from core.statuses import RETURN_REJECTED, sql_literal
from pharmacies.models import Pharmacy

STAGING = "import_returns"
STAGING_COLUMNS = (
    ("line", "integer"),
    ("invoice_number", "text"),
    ("payer_kind", "text"),
    ("organism_code", "text"),
    ("status", "text"),
    ("amount_paid", "numeric"),  # unbounded here: an overflow is a problem, not an error
    ("reject_code", "text"),
    ("reject_label", "text"),
    ("slip_reference", "text"),
    ("payment_date", "date"),
    ("return_date", "date"),
)
# The natural key of a return line, as the staging table spells it.
NATURAL_KEY = (
    "invoice_number", "payer_kind", "organism_code", "status", "return_date", "slip_reference",
    "amount_paid",
)
# A slip's reference is the slip's own length (`slip` is payments' PaymentSlip).
LENGTH_LIMITS = {
    "reject_code": ("code_rejet", ReturnLine._meta.get_field("reject_code").max_length),
    "slip_reference": (
        "bordereau", ReturnLine._meta.get_field("slip").related_model._meta.get_field("reference").max_length
    ),
}


def _as_tuple(row: ReturnRow) -> tuple:
    return (
        row.line, row.invoice_number, row.payer_kind, row.organism_code, row.status,
        row.amount_paid, row.reject_code, row.reject_label[:255], row.slip_reference,
        row.payment_date, row.return_date,
    )


def returns_import(*, cursor, pharmacy: Pharmacy, batch_id: int, source: BinaryIO) -> ImportResult:
    """Stage and write a `retours` file; the caller commits or rolls back."""
    create_staging_table(cursor, name=STAGING, columns=STAGING_COLUMNS)
    items = iter_return_rows(source, expected_finess=pharmacy.finess)
    streamed = copy_stream(
        cursor, table=STAGING, columns=[c for c, _ in STAGING_COLUMNS], items=items, to_tuple=_as_tuple
    )
    result = streamed.result
    result.add_problems(
        value_problems(cursor, table=STAGING, lengths=LENGTH_LIMITS, amounts={"amount_paid": "montant_paye"})
    )
    result.add_problems(
        duplicate_problems(
            cursor,
            table=STAGING,
            key=NATURAL_KEY,
            describe=lambda key: f"retour {key[3]} de la facture {key[0]} ({key[1]})",
            column="facture",
        )
    )
    result.sort_problems()
    result.counts["rows"] = streamed.rows + result.parser_lines
    result.counts["refused"] = result.refused_lines
    if not result.ok:
        return result

    params = {"pharmacy": pharmacy.pk, "batch": batch_id}
    cursor.execute(
        f"""
        SELECT coalesce(sum(amount_paid), 0),
               count(*) FILTER (WHERE status = {sql_literal(RETURN_REJECTED)}),
               min(return_date), max(return_date)
        FROM {STAGING}
        """
    )
    paid, rejected, first_day, last_day = cursor.fetchone()
    result.counts.update(
        amount=str(paid), rejections=rejected,
        first_date=first_day.isoformat() if first_day else "",
        last_date=last_day.isoformat() if last_day else "",
    )

    created_organisms = organisms_create_missing(
        cursor, staging=STAGING, kind="payer_kind", code="organism_code", name=None
    )
    result.counts["organisms_created"] = len(created_organisms)
    if created_organisms:
        result.notes.append("Nouveaux organismes : " + ", ".join(created_organisms[:20])
                            + (" …" if len(created_organisms) > 20 else ""))

    slips = slips_writer()
    result.counts["slips_created"] = slips.create(
        cursor, pharmacy_id=pharmacy.pk, batch_id=batch_id, staging=STAGING
    )

    cursor.execute(
        f"""
        WITH upserted AS (
            INSERT INTO claims_returnline AS r (
                pharmacy_id, invoice_number, payer_kind, organism_id, status, amount_paid,
                reject_code, reject_label, slip_id, payment_date, return_date, claim_id,
                import_batch_id, created_at
            )
            SELECT %(pharmacy)s, s.invoice_number, s.payer_kind, o.id, s.status, s.amount_paid,
                   s.reject_code, s.reject_label, ps.id, s.payment_date, s.return_date, c.id,
                   %(batch)s, now()
            FROM {STAGING} s
            JOIN claims_organism o ON o.kind = s.payer_kind AND o.code = s.organism_code
            LEFT JOIN payments_paymentslip ps
                   ON ps.pharmacy_id = %(pharmacy)s AND ps.organism_id = o.id
                  AND ps.reference = s.slip_reference
            LEFT JOIN claims_claim c
                   ON c.pharmacy_id = %(pharmacy)s AND c.invoice_number = s.invoice_number
                  AND c.payer_kind = s.payer_kind
            ON CONFLICT ON CONSTRAINT unique_return_line DO UPDATE
               SET reject_code = EXCLUDED.reject_code, reject_label = EXCLUDED.reject_label,
                   payment_date = EXCLUDED.payment_date
               WHERE (r.reject_code, r.reject_label, r.payment_date)
                     IS DISTINCT FROM (EXCLUDED.reject_code, EXCLUDED.reject_label, EXCLUDED.payment_date)
            RETURNING (xmax = 0) AS inserted, claim_id IS NULL AS waiting
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
               count(*) FILTER (WHERE inserted AND waiting)
        FROM upserted
        """,
        params,
    )
    created, updated, waiting = cursor.fetchone()
    result.counts.update(
        created=created, updated=updated, unchanged=streamed.rows - created - updated,
        waiting_for_claim=waiting,
    )

    # Totals in SQL, for every slip this file touched (its earlier lines included).
    changed = slips.totals(cursor, pharmacy_id=pharmacy.pk, staging=STAGING)
    # A new slip always gets its first total: only count the earlier ones that moved.
    result.counts["slips_updated"] = changed - result.counts["slips_created"]
    return result
