"""The night of one pharmacy, in one place: each app's step, in order.

1. claims applies the returns to the claims; in the same transactions rejections
   adds the unknown codes to its catalogue, opens a rejection per rejecting line
   with its handler (the Backoffice's delegation, passed as data) and numbers the
   re-invoices; then closes the rejections whose money came back;
2. backoffice re-applies its delegation to the rejections whose rule moved since
   (a reason classified meanwhile: none on an ordinary night);
3. payments matches the slips to the bank lines, then sorts the bank lines (insurers' or not);
4. claims flags the silent unpaid claims;
5. reports counts the past months' claims;
6. claims raises a "fichier attendu" alert for a kind of file late beyond its rhythm.

Each app writes only its own tables; this module, on top of them all
(docs/architecture.md), is the only one that knows the order.

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
from functools import partial

from django.conf import settings
from django.db import connection

from audit.context import audit_job
from backoffice.selectors import delegation_handlers
from backoffice.services import delegation_rules_apply
from claims.expected_files import expected_file_alerts_raise
from claims.returns import BATCH_LINES, ReturnsFollowers, ReturnsResult, returns_apply
from claims.unpaid import unpaid_flag
from payments.classification import bank_lines_classify
from payments.matching import slips_match
from pharmacies.models import JobRun
from pharmacies.services import job_run_claim, job_run_finish, job_run_get
from rejections.services import (
    REJECTED_CLAIMS_PARAMS,
    REJECTED_CLAIMS_SQL,
    reasons_add_from_returns,
    rejections_close_recovered,
    rejections_number_reinvoices,
    rejections_open_from_returns,
)
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
    run = job_run_get(pharmacy_id=pharmacy_id, job=JobRun.Job.NIGHTLY, period=day.isoformat())
    key = _lock_key(pharmacy_id, day)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return "busy"
    try:
        if not job_run_claim(run=run, force=force):
            return "skipped"
        try:
            stats = nightly_steps(pharmacy_id=pharmacy_id, day=day)
        except Exception as exc:
            job_run_finish(run=run, error=repr(exc))
            raise
        job_run_finish(run=run, stats=stats)
        return "done"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def night_returns(*, pharmacy_id: int, batch_size: int = BATCH_LINES) -> ReturnsResult:
    """Returns → claims, and the rejections they open or close (steps 1 of the night)."""
    handlers = delegation_handlers(pharmacy_id=pharmacy_id)
    followers = ReturnsFollowers(
        reasons_add=reasons_add_from_returns,
        rejections_open=partial(rejections_open_from_returns, handlers=handlers),
        rejected_claims=REJECTED_CLAIMS_SQL,
        rejected_claims_params=REJECTED_CLAIMS_PARAMS,
        reinvoices_number=rejections_number_reinvoices,
    )
    result = returns_apply(pharmacy_id=pharmacy_id, followers=followers, batch_size=batch_size)
    result.rejections_recovered = rejections_close_recovered(pharmacy_id=pharmacy_id)
    return result


def nightly_steps(*, pharmacy_id: int, day: dt.date) -> dict:
    """The steps, each committing its own short transactions."""
    with audit_job("nightly", pharmacy_id=pharmacy_id):
        returns = night_returns(pharmacy_id=pharmacy_id)
        # New rejections were opened with their handler; only a rule that moved
        # since (a reason classified meanwhile) changes an older one.
        delegation_rules_apply(pharmacy_ids=[pharmacy_id], only_changed=True)
        _pause()
        matching = slips_match(pharmacy_id=pharmacy_id)
        # After the matching: a credit it linked tonight is an insurer's transfer.
        sorted_lines = bank_lines_classify(pharmacy_id=pharmacy_id, everything=False)
        _pause()
        unpaid = unpaid_flag(pharmacy_id=pharmacy_id, today=day)
        # Last: the past months' claim counts the portfolio reads, with tonight's rejections.
        months = monthly_counts_refresh(pharmacy_id=pharmacy_id, today=day)
        # The files received up to yesterday: is a kind late beyond its own rhythm?
        expected_files = expected_file_alerts_raise(pharmacy_id=pharmacy_id, day=day)
    return {"returns": asdict(returns), "matching": asdict(matching),
            "bank_lines_sorted": sorted_lines, "unpaid_flagged": unpaid,
            "months_counted": months, "expected_files": expected_files}
