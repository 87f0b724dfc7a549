"""Monthly reports: the beat fans out one task per pharmacy; each renders on the `pdf` queue.
Daily digests: the beat fans out one task per person who wants one."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from core.periods import previous_month
from pharmacies.row_security import pharmacy_task
from pharmacies.selectors import digest_recipients
from reports.digest import digest_send
from reports.selectors import report_lease_remaining
from reports.services import report_produce, reports_pharmacies


@shared_task
def monthly_reports_all() -> int:
    """On the 1st: last month's report for every pharmacy (pharmacy ids explicit)."""
    month = previous_month(timezone.localdate())
    ids = list(reports_pharmacies().values_list("pk", flat=True))
    for pharmacy_id in ids:
        render_monthly_report.delay_on_commit(pharmacy_id, month.isoformat())
    return len(ids)


@shared_task(acks_late=True, max_retries=5)
@pharmacy_task
def render_monthly_report(pharmacy_id: int, month: str) -> bool:
    """Idempotent: the compare-and-swap in report_produce makes a redelivery a no-op.

    A report found in `rendering` is either being rendered by another worker or was
    left there by a worker that died: come back when its lease ends, then it is sent
    (by this task if the other worker died, else already sent by it: a no-op).
    """
    first = dt.date.fromisoformat(month)
    if report_produce(pharmacy_id=pharmacy_id, month=first) is not None:
        return True
    wait = report_lease_remaining(pharmacy_id=pharmacy_id, month=first)
    request = render_monthly_report.request
    if wait is not None and not (request.is_eager or request.called_directly):
        raise render_monthly_report.retry(countdown=wait + 1)
    return False


@shared_task
def daily_digests_all(day: str | None = None) -> int:
    """Each morning: one task per person who wants the digest (user ids explicit)."""
    day = day or timezone.localdate().isoformat()
    ids = list(digest_recipients().values_list("pk", flat=True))
    for user_id in ids:
        send_daily_digest.delay_on_commit(user_id, day)
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_daily_digest(user_id: int, day: str) -> bool:
    """Idempotent: the run row's compare-and-swap makes a second run, or a redelivery, a no-op."""
    return digest_send(user_id=user_id, day=dt.date.fromisoformat(day))
