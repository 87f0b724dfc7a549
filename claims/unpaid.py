"""Silent unpaid claims: no return at all after the payer's usual delay plus a margin.

The usual delay is in working days; it is turned into calendar days (× 7/5,
rounded up) and a margin (`UNPAID_MARGIN_DAYS`, default 30 calendar days, the
domain's "no payment after 30 days") is added, so a payer a little late is not
chased. Age buckets count from the
transmission date, as the domain's ageing of open claims does.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction

from audit.context import audit_job
from claims.returns import night_transaction


def unpaid_margin_days() -> int:
    return int(getattr(settings, "UNPAID_MARGIN_DAYS", 30))


def unpaid_flag(*, pharmacy_id: int, today: dt.date) -> int:
    """Mark as unpaid every transmitted claim with no return past its payer's delay.

    One UPDATE guarded by the status: a second run finds nothing left to flag.
    """
    with audit_job("unpaid_flag", pharmacy_id=pharmacy_id), transaction.atomic(), \
            connection.cursor() as cursor:
        night_transaction(cursor)
        cursor.execute(
            """
            UPDATE claims_claim c
            SET status = 'unpaid',
                unpaid_since = c.transmission_date
                               + ceil(o.usual_delay_days * 7 / 5.0)::int + %(margin)s,
                updated_at = now()
            FROM claims_organism o
            WHERE c.pharmacy_id = %(p)s AND c.status = 'transmitted'
              AND o.id = c.organism_id
              AND c.transmission_date
                  + ceil(o.usual_delay_days * 7 / 5.0)::int + %(margin)s < %(today)s
              AND NOT EXISTS (
                  SELECT 1 FROM claims_returnline r
                  WHERE r.pharmacy_id = c.pharmacy_id AND r.invoice_number = c.invoice_number
                    AND r.payer_kind = c.payer_kind)
            """,
            {"p": pharmacy_id, "today": today, "margin": unpaid_margin_days()},
        )
        return cursor.rowcount
