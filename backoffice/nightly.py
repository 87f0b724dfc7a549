"""The nightly job of one pharmacy: returns → claims (and who handles the new
rejections), slips → bank lines, silent unpaid.

Safe under `acks_late` redelivery and double scheduling:
- the run row is unique per (pharmacy, "nightly", day) and claimed with a
  compare-and-swap on its state (a finished run is not run again);
- a PostgreSQL advisory lock, held by the connection, keeps two workers off the
  same pharmacy at once and is released by the server if the worker dies;
- every step is idempotent by construction (recompute from source rows, WHERE on
  state, ON CONFLICT DO NOTHING), so a run resumed after a crash in the middle
  ends with the same database as a clean run.
"""

from __future__ import annotations

import datetime as dt
import time
import zlib
from dataclasses import asdict

from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.context import audit_job
from backoffice.models import JobRun
from backoffice.services import delegation_rules_apply
from claims.returns import returns_apply
from claims.unpaid import unpaid_flag
from payments.classification import bank_lines_classify
from payments.matching import slips_match
from reports.statistics import monthly_counts_refresh


def _lock_key(pharmacy_id: int, day: dt.date) -> int:
    return zlib.crc32(f"nightly:{pharmacy_id}:{day.isoformat()}".encode())


def _pause() -> None:
    # Tests only: lets a test kill the worker between two steps.
    seconds = float(getattr(settings, "NIGHTLY_STEP_PAUSE_SECONDS", 0) or 0)
    if seconds:
        time.sleep(seconds)


def nightly_run(*, pharmacy_id: int, day: dt.date, force: bool = False) -> str:
    """Run the night for one pharmacy; returns "done", "skipped" (already done) or "busy"."""
    run, _ = JobRun.objects.get_or_create(
        pharmacy_id=pharmacy_id, job=JobRun.Job.NIGHTLY, period=day.isoformat()
    )
    key = _lock_key(pharmacy_id, day)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return "busy"
    try:
        claimable = JobRun.objects.filter(pk=run.pk)
        if not force:
            claimable = claimable.exclude(state=JobRun.State.DONE)
        claimed = claimable.update(
            state=JobRun.State.RUNNING, attempts=run.attempts + 1,
            started_at=timezone.now(), error="",
        )
        if not claimed:
            return "skipped"
        try:
            stats = nightly_steps(pharmacy_id=pharmacy_id, day=day)
        except Exception as exc:
            JobRun.objects.filter(pk=run.pk).update(
                state=JobRun.State.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
            )
            raise
        JobRun.objects.filter(pk=run.pk).update(
            state=JobRun.State.DONE, finished_at=timezone.now(), stats=stats
        )
        return "done"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def nightly_steps(*, pharmacy_id: int, day: dt.date) -> dict:
    """The steps, each committing its own short transactions."""
    with audit_job("nightly", pharmacy_id=pharmacy_id):
        returns = returns_apply(pharmacy_id=pharmacy_id)
        # New rejections go to the pharmacy or the Backoffice by the delegation rules.
        delegation_rules_apply(pharmacy_ids=[pharmacy_id])
        _pause()
        matching = slips_match(pharmacy_id=pharmacy_id)
        # After the matching: a credit it linked tonight is an insurer's transfer.
        sorted_lines = bank_lines_classify(pharmacy_id=pharmacy_id)
        _pause()
        unpaid = unpaid_flag(pharmacy_id=pharmacy_id, today=day)
        # Last: the past months' claim counts the portfolio reads, with tonight's rejections.
        months = monthly_counts_refresh(pharmacy_id=pharmacy_id, today=day)
    return {"returns": asdict(returns), "matching": asdict(matching),
            "bank_lines_sorted": sorted_lines, "unpaid_flagged": unpaid,
            "months_counted": months}
