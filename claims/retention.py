"""Retention of personal health data: patient identity is purged from old claims.

The accounting stays (amounts, dates, payer, status, operator, invoice
number): statistics and reconciliation of past years keep working; only what
identifies the patient (name, NIR and key, birth rank) is blanked. One UPDATE
per pharmacy, batched by id range so a large purge never holds long locks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min

from claims.models import Claim

PURGE_BATCH = 50_000


def retention_cutoff(*, today: dt.date, retention_days: int | None = None) -> dt.date:
    days = settings.PATIENT_DATA_RETENTION_DAYS if retention_days is None else retention_days
    return today - dt.timedelta(days=days)


def patient_identity_purge(*, pharmacy_ids: list[int], cutoff: dt.date) -> int:
    """Blank patient identity on claims dispensed before `cutoff`. Returns rows purged."""
    purged = 0
    to_purge = Claim.objects.filter(pharmacy_id__in=pharmacy_ids, care_date__lt=cutoff).exclude(
        patient_name="", nir=""
    )
    bounds = to_purge.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return 0
    for start in range(bounds["low"], bounds["high"] + 1, PURGE_BATCH):
        with transaction.atomic():
            purged += to_purge.filter(id__gte=start, id__lt=start + PURGE_BATCH).update(
                patient_name="", nir="", nir_key="", birth_rank=None
            )
    return purged
