"""The monthly job end to end: a real Celery worker (queues default and pdf) on the real Redis."""

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from pharmacies.models import StaffRole
from reports.models import MonthlyReport
from tests.factories import PharmacyFactory, StaffMemberFactory
from tests.reports.dataset import build_month
from tests.workers import test_database_url

REDIS_DB = 8  # the reports engineer's Redis db (docs/helper-rules.md)
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"
ROOT = Path(__file__).resolve().parents[2]


def last_month() -> dt.date:
    from django.utils import timezone

    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timeout waiting for {what}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_monthly_beat_task_sends_one_report_per_pharmacy_once(tmp_path):
    month = last_month()
    pharmacies = []
    for index in range(3):
        pharmacy = PharmacyFactory(name=f"Pharmacie Worker {index}")
        StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.TITULAIRE, user__email=f"titulaire{index}@worker.test")
        build_month(pharmacy=pharmacy, month=month, operators={"OP-A": (40, 0.1), "OP-B": (30, 0.3)},
                    error_prone="OP-B", seed=index, history_months=0)
        pharmacies.append(pharmacy)

    redis.Redis.from_url(BROKER).flushdb()
    env = os.environ | {
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mails"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    celery = [sys.executable, "-m", "celery", "-A", "tiers_payant"]
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 (the worker's output, closed in finally)
    worker = subprocess.Popen(
        celery + ["worker", "-Q", "default,pdf", "--concurrency=2", "--max-tasks-per-child=20",
                  "--loglevel=INFO", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )

    def succeeded() -> int:
        return len(re.findall(r"succeeded in", (tmp_path / "worker.log").read_text()))

    try:
        # What beat does on the 1st: send the fan-out task by name to the broker.
        subprocess.run(celery + ["call", "reports.tasks.monthly_reports_all"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        wait_for(lambda: succeeded() >= 1 + len(pharmacies), 120, "the first run")
        sent = MonthlyReport.objects.filter(month=month, state=MonthlyReport.State.SENT)
        assert sorted(sent.values_list("pharmacy_id", flat=True)) == [p.pk for p in pharmacies]
        pdfs = sorted((tmp_path / "media" / "reports").glob("*/*.pdf"))
        assert len(pdfs) == len(pharmacies)
        assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
        mails = list((tmp_path / "mails").iterdir())
        assert len(mails) == len(pharmacies)
        recipients = sorted(re.search(r"^To: (.+)$", m.read_text(), re.M).group(1) for m in mails)
        assert recipients == [f"titulaire{i}@worker.test" for i in range(3)]

        subprocess.run(celery + ["call", "reports.tasks.monthly_reports_all"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        wait_for(lambda: succeeded() >= 2 * (1 + len(pharmacies)), 120, "the second run")
        assert len(list((tmp_path / "mails").iterdir())) == len(pharmacies)
        assert "render_monthly_report" in (tmp_path / "worker.log").read_text()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()
        connection.close()
