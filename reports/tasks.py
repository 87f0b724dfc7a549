"""Monthly reports: the beat fans out one task per pharmacy; each renders on the `pdf` queue."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from pharmacies.row_security import pharmacy_task
from reports.services import previous_month, report_produce, reports_pharmacies


@shared_task
def monthly_reports_all() -> int:
    """On the 1st: last month's report for every pharmacy (pharmacy ids explicit)."""
    month = previous_month(timezone.localdate())
    ids = list(reports_pharmacies().values_list("pk", flat=True))
    for pharmacy_id in ids:
        render_monthly_report.delay(pharmacy_id, month.isoformat())
    return len(ids)


@shared_task(acks_late=True)
@pharmacy_task
def render_monthly_report(pharmacy_id: int, month: str) -> bool:
    """Idempotent: the compare-and-swap in report_produce makes a redelivery a no-op."""
    return report_produce(pharmacy_id=pharmacy_id, month=dt.date.fromisoformat(month)) is not None
