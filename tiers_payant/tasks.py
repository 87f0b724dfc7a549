"""The night's Celery tasks: the beat entry fans out one task per pharmacy (ids explicit)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from pharmacies.models import Pharmacy
from pharmacies.row_security import pharmacy_task
from tiers_payant import failures  # noqa: F401  (the workers' task_failure handler)
from tiers_payant.night import nightly_run


@shared_task(acks_late=True, reject_on_worker_lost=True)
def nightly_matching_all(day: str | None = None) -> list[int]:
    day = day or timezone.localdate().isoformat()
    pharmacy_ids = list(Pharmacy.objects.order_by("id").values_list("id", flat=True))
    for pharmacy_id in pharmacy_ids:
        nightly_matching_pharmacy.delay_on_commit(pharmacy_id, day)
    return pharmacy_ids


@shared_task(acks_late=True, reject_on_worker_lost=True)
@pharmacy_task
def nightly_matching_pharmacy(pharmacy_id: int, day: str) -> str:
    return nightly_run(pharmacy_id=pharmacy_id, day=dt.date.fromisoformat(day))
