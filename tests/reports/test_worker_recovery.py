"""A worker killed while rendering a monthly report: after the report's lease, another
worker renders it and the titulaire gets it once (issue 17).

Real Celery workers on the real Redis (their own db), on the pytest database
(committed data: `transaction=True`), mails written to files the test reads.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
import redis
from celery import Celery

from pharmacies.models import StaffRole
from reports.models import MonthlyReport
from tests.factories import PharmacyFactory, StaffMemberFactory
from tests.reports.dataset import build_month
from tests.reports.test_worker import last_month
from tests.workers import Worker, wait_until

REDIS_URL = os.environ.get("REPORTS_RECOVERY_TEST_REDIS", "redis://127.0.0.1:6379/13")
VISIBILITY_TIMEOUT = 4  # a lost message comes back to the next worker after 4 s
LEASE = 15  # seconds; the setting's default is 5 minutes

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker():
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield Celery(broker=REDIS_URL)
    client.flushdb()


def test_a_worker_killed_mid_render_leaves_the_report_to_the_next_worker_after_its_lease(
    broker, tmp_path, settings
):
    month = last_month()
    pharmacy = PharmacyFactory(name="Pharmacie du Bail")
    StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.TITULAIRE, user__email="titulaire@bail.test")
    build_month(pharmacy=pharmacy, month=month, operators={"OP-A": (40, 0.1), "OP-B": (30, 0.3)},
                error_prone="OP-B", seed=1, history_months=0)
    mails, settings.MEDIA_ROOT = tmp_path / "mails", tmp_path / "media"
    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "REPORT_RENDER_LEASE_SECONDS": str(LEASE),
           "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "EMAIL_FILE_PATH": str(mails), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    reports = MonthlyReport.objects.filter(pharmacy=pharmacy, month=month)
    workers = []
    try:
        # The first worker claims the report, then is held in `rendering` and killed there.
        workers.append(first := Worker(tmp_path, "first", broker=REDIS_URL, queues="pdf",
                                       env=env | {"REPORT_RENDER_PAUSE_SECONDS": "120"}))
        broker.send_task("reports.tasks.render_monthly_report", args=[pharmacy.pk, month.isoformat()],
                         queue="pdf")
        wait_until(lambda: reports.filter(state=MonthlyReport.State.RENDERING).exists(), 60, "the claim")
        first.kill()
        lost = reports.get()
        assert lost.lease_until - lost.claimed_at == dt.timedelta(seconds=LEASE)
        assert not mails.exists() and not lost.pdf

        # The unacked message comes back to a new worker; the report's lease has not ended,
        # so the task comes back when it does.
        time.sleep(VISIBILITY_TIMEOUT + 1)
        workers.append(second := Worker(tmp_path, "second", broker=REDIS_URL, queues="pdf", env=env))
        second.wait_for("Retry in", timeout=30)
        assert reports.get().state == MonthlyReport.State.RENDERING

        wait_until(lambda: reports.filter(state=MonthlyReport.State.SENT).exists(), LEASE + 60,
                   "the report sent after the lease")
        sent = reports.get()
        assert sent.claimed_at >= lost.lease_until  # claimed again after the lease, not before
        assert (tmp_path / "media" / sent.pdf.name).read_bytes().startswith(b"%PDF")
        # Sent once, even if the message comes back again meanwhile (a no-op then).
        time.sleep(VISIBILITY_TIMEOUT + 2)
        assert len(list(mails.iterdir())) == 1
        assert "To: titulaire@bail.test" in next(mails.iterdir()).read_text()
        assert reports.get().state == MonthlyReport.State.SENT
    finally:
        for worker in workers:
            worker.stop()

