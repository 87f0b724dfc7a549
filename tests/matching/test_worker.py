"""The nightly job through a real Celery worker on the real Redis.

The worker runs as a subprocess against the pytest database (committed data:
`transaction=True`), on its own Redis db, with a short visibility timeout so a
task lost with its worker is redelivered in seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings

from backoffice.models import JobRun
from claims.models import Claim, ReturnLine
from payments.models import MatchProposal, Reconciliation
from rejections.models import Rejection
from tests.matching.scenario import DAY, night_scenario
from tests.workers import test_database_url
from tests.factories import PharmacyFactory

REDIS_URL = os.environ.get("MATCHING_TEST_REDIS", "redis://127.0.0.1:6379/7")
ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 4

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class Worker:
    def __init__(self, tmp_path: Path, name: str, pause: float = 0):
        self.log = tmp_path / f"{name}.log"
        env = {**os.environ, "CELERY_BROKER_URL": REDIS_URL, "DATABASE_URL": test_database_url(),
               "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "NIGHTLY_STEP_PAUSE_SECONDS": str(pause),
               "DJANGO_SETTINGS_MODULE": "tiers_payant.settings"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tiers_payant", "worker", "-l", "info",
             "-c", "1", "-Q", "default", "-n", f"{name}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_for("ready.")

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"worker: no {text!r}\n" + self.log.read_text(errors="replace"))

    def children(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def kill(self) -> None:
        """SIGKILL: the parent first (it must not get a chance to requeue), then its child."""
        children = self.children()
        os.kill(self.process.pid, signal.SIGKILL)
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


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
        worker = Worker(tmp_path, name, pause)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_until(predicate, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timeout waiting for {what}")


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

    broker.send_task("payments.tasks.nightly_matching_pharmacy",
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
    broker.send_task("payments.tasks.nightly_matching_pharmacy",
                     args=[clean.pk, DAY.isoformat()], queue="default")
    wait_until(lambda: _done(clean), what="the clean run")

    assert summary(killed) == summary(clean)
    assert JobRun.objects.get(pharmacy=killed).attempts == 2
    assert JobRun.objects.get(pharmacy=clean).attempts == 1
    second.wait_for("succeeded")
