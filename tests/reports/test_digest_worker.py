"""The daily digest end to end: a real Celery worker on the real Redis runs the morning's
job twice; each person who wants a digest gets exactly one e-mail."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import redis
from django.db import connection

from pharmacies.models import StaffRole
from reports.models import DailyDigest
from tests.factories import (
    ManagerAssignmentFactory,
    PharmacyFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.workers import ROOT, Worker, test_database_url, wait_until

REDIS_DB = 15  # helper h11's Redis db
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_daily_job_run_twice_sends_each_person_one_email(tmp_path):
    pharmacies = [PharmacyFactory(name=f"Pharmacie Digest {i}") for i in range(3)]
    for i, pharmacy in enumerate(pharmacies):
        StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.TITULAIRE, user__email=f"titulaire{i}@digest.test")
        StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.PREPARATEUR, user__email=f"staff{i}@digest.test")
    manager = UserFactory(kind="manager", email="manager@digest.test")
    for pharmacy in pharmacies[:2]:
        ManagerAssignmentFactory(pharmacy=pharmacy, manager=manager)
    UserFactory(kind="supervisor", email="supervisor@digest.test")
    expected = sorted([f"titulaire{i}@digest.test" for i in range(3)]
                      + ["manager@digest.test", "supervisor@digest.test"])

    redis.Redis.from_url(BROKER).flushdb()
    mails = tmp_path / "mails"
    worker = Worker(tmp_path, "digest", broker=BROKER, env={
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mails),
    })
    celery = [sys.executable, "-m", "celery", "-A", "tiers_payant"]
    env = {"CELERY_BROKER_URL": BROKER, "DATABASE_URL": test_database_url(),
           "DJANGO_SETTINGS_MODULE": "tiers_payant.settings"}

    def succeeded() -> int:
        return len(re.findall(r"succeeded in", worker.log.read_text(errors="replace")))

    try:
        for run in (1, 2):
            # What beat does each morning: send the fan-out task by name to the broker.
            subprocess.run(celery + ["call", "reports.tasks.daily_digests_all"], cwd=ROOT, check=True,
                           capture_output=True, env={**os.environ, **env})
            wait_until(lambda run=run: succeeded() >= run * (1 + len(expected)), 120, f"run {run}")
        sent = sorted(re.search(r"^To: (.+)$", path.read_text(), re.M).group(1) for path in mails.iterdir())
        assert sent == expected  # five people, one e-mail each, the staff's default is off
        assert DailyDigest.objects.filter(state=DailyDigest.State.SENT).count() == len(expected)
        assert "send_daily_digest" in worker.log.read_text()
    finally:
        worker.stop()
        connection.close()
