"""Silent unpaid claims: no return at all once overdue (claims/due.py: the payer's usual
delay plus the margin), flagged by the night. Age buckets count from the transmission
date, as the domain's ageing of open claims does.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from audit.context import audit_job
from claims.due import overdue_from_sql, overdue_sql, unpaid_margin_days
from claims.returns import night_transaction
from core.statuses import CLAIM_TRANSMITTED, CLAIM_UNPAID, sql_literal


def unpaid_flag(*, pharmacy_id: int, today: dt.date) -> int:
    """Mark as unpaid every transmitted claim with no return that is overdue on `today`.

    One UPDATE guarded by the status: a second run finds nothing left to flag.
    """
    with audit_job("unpaid_flag", pharmacy_id=pharmacy_id), transaction.atomic(), \
            connection.cursor() as cursor:
        night_transaction(cursor)
        cursor.execute(
            f"""
            UPDATE claims_claim c
            SET status = {sql_literal(CLAIM_UNPAID)},
                unpaid_since = {overdue_from_sql(claim="c", organism="o")},
                updated_at = now()
            FROM claims_organism o
            WHERE c.pharmacy_id = %(p)s AND c.status = {sql_literal(CLAIM_TRANSMITTED)}
              AND o.id = c.organism_id
              AND {overdue_sql(claim="c", organism="o")}
              AND NOT EXISTS (
                  SELECT 1 FROM claims_returnline r
                  WHERE r.pharmacy_id = c.pharmacy_id AND r.invoice_number = c.invoice_number
                    AND r.payer_kind = c.payer_kind)
            """,
            {"p": pharmacy_id, "today": today, "margin": unpaid_margin_days()},
        )
        return cursor.rowcount
