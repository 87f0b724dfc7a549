"""The nightly job through a real Celery worker on the real Redis.

The worker runs as a subprocess against the pytest database (committed data:
`transaction=True`), on its own Redis db, with a short visibility timeout so a
task lost with its worker is redelivered in seconds.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import redis
from celery import Celery
from django.conf import settings

from claims.models import Claim, ReturnLine
from payments.models import MatchProposal, Reconciliation
from pharmacies.models import JobRun
from rejections.models import Rejection
from tests.factories import PharmacyFactory
from tests.matching.scenario import DAY, night_scenario
from tests.workers import Worker, wait_until

REDIS_URL = os.environ.get("MATCHING_TEST_REDIS", "redis://127.0.0.1:6379/7")
VISIBILITY_TIMEOUT = 4

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker():
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    app = Celery(broker=REDIS_URL)
    yield app
    client.flushdb()


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(name: str, pause: float = 0) -> Worker:
        worker = Worker(tmp_path, name, broker=REDIS_URL, env={
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "NIGHTLY_STEP_PAUSE_SECONDS": str(pause)})
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def summary(pharmacy) -> dict:
    """A pharmacy's outcome, independent of ids, to compare two pharmacies' nights."""
    return {
        "claims": sorted(Counter(Claim.objects.filter(pharmacy=pharmacy)
                                 .values_list("status", "amount_paid")).items()),
        "lines_applied": ReturnLine.objects.filter(pharmacy=pharmacy,
                                                   claim__isnull=False).count(),
        "rejections": sorted(Counter(Rejection.objects.filter(pharmacy=pharmacy)
                                     .values_list("status", "amount", "reason__to_classify")).items()),
        "links": sorted(Reconciliation.objects.filter(pharmacy=pharmacy)
                        .values_list("amount", "source")),
        "proposals": MatchProposal.objects.filter(pharmacy=pharmacy).count(),
    }


def _done(pharmacy) -> bool:
    return JobRun.objects.filter(pharmacy=pharmacy, job="nightly", period=DAY.isoformat(),
                                 state="done").exists()


def test_the_beat_task_runs_the_night_for_two_pharmacies(broker, workers):
    a, b = PharmacyFactory(), PharmacyFactory()
    night_scenario(a, tag=1)
    night_scenario(b, tag=2)
    workers("night")
    task = settings.CELERY_BEAT_SCHEDULE["nightly-matching"]["task"]

    broker.send_task(task, args=[DAY.isoformat()], queue="default")

    wait_until(lambda: _done(a) and _done(b), what="both pharmacies' runs")
    assert summary(a) == summary(b)
    assert Claim.objects.filter(pharmacy=a, status="paid").count() == 1
    assert Reconciliation.objects.filter(pharmacy=a, source="auto").count() == 1
    assert JobRun.objects.get(pharmacy=a).attempts == 1


def test_a_killed_worker_redelivers_and_finishes_like_a_clean_run(broker, workers):
    killed, clean = PharmacyFactory(), PharmacyFactory()
    night_scenario(killed, tag=1)
    night_scenario(clean, tag=2)
    first = workers("first", pause=3)

    broker.send_task("tiers_payant.tasks.nightly_matching_pharmacy",
                     args=[killed.pk, DAY.isoformat()], queue="default")
    # Killed between two steps: returns applied and committed, matching not yet run.
    wait_until(lambda: ReturnLine.objects.filter(pharmacy=killed,
                                                 claim__isnull=False).exists(),
               what="the first step")
    assert JobRun.objects.get(pharmacy=killed).state == "running"
    assert not Reconciliation.objects.filter(pharmacy=killed).exists()
    first.kill()
    # A new worker restores, when it starts, the unacked messages older than the
    # visibility timeout (4 s here): start it once the lost task is that old.
    time.sleep(VISIBILITY_TIMEOUT + 1)

    second = workers("second")
    wait_until(lambda: _done(killed), timeout=90, what="the redelivered run")
    broker.send_task("tiers_payant.tasks.nightly_matching_pharmacy",
                     args=[clean.pk, DAY.isoformat()], queue="default")
    wait_until(lambda: _done(clean), what="the clean run")

    assert summary(killed) == summary(clean)
    assert JobRun.objects.get(pharmacy=killed).attempts == 2
    assert JobRun.objects.get(pharmacy=clean).attempts == 1
    second.wait_for("succeeded")
