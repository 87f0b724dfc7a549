"""An upload analysed and committed by a real Celery worker on the real Redis.

The worker is a subprocess on the pytest database (committed data:
`transaction=True`), its own Redis db and the same MEDIA_ROOT, so it finds the
stored upload. The page polls the batch while the worker writes the progress.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import Celery

from claims.imports.services import import_batch_confirm, import_batch_create
from claims.imports.storage import import_file_path, import_file_store
from claims.models import Claim, ImportBatch
from tests.factories import PharmacyFactory
from tests.imports.helpers import claims_text
from tests.workers import test_database_url

REDIS_URL = os.environ.get("IMPORTS_TEST_REDIS", "redis://127.0.0.1:6379/9")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    redis.Redis.from_url(REDIS_URL).flushdb()
    log = tmp_path / "worker.log"
    env = {**os.environ, "CELERY_BROKER_URL": REDIS_URL, "DATABASE_URL": test_database_url(),
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "DJANGO_SETTINGS_MODULE": "tiers_payant.settings"}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tiers_payant", "worker", "-l", "info", "-c", "1",
         "-Q", "default", "-n", "imports@%h", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while "ready." not in log.read_text(errors="replace"):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.2)
    producer = Celery(broker=REDIS_URL)
    yield producer, log
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


def _wait_for(batch: ImportBatch, status: str, log: Path, timeout: float = 60) -> ImportBatch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status == status:
            return batch
        time.sleep(0.2)
    raise AssertionError(f"batch {batch.status}, expected {status}\n" + log.read_text(errors="replace"))


def test_a_worker_analyses_then_commits_an_upload(worker):
    producer, log = worker
    pharmacy = PharmacyFactory()
    content = claims_text(pharmacy.finess, 500).encode()
    path, sha256, size = import_file_store(pharmacy_id=pharmacy.pk, chunks=[content])
    batch = import_batch_create(pharmacy=pharmacy, path=path, file_name="f.csv", sha256=sha256, size=size)

    producer.send_task("claims.tasks.import_analyse", args=[batch.pharmacy_id, batch.pk], queue="default")
    batch = _wait_for(batch, ImportBatch.Status.PREVIEW, log)
    assert batch.counts["created"] == 500 and batch.progress == 100
    assert not Claim.objects.exists()

    assert import_batch_confirm(batch=batch)
    producer.send_task("claims.tasks.import_commit", args=[batch.pharmacy_id, batch.pk], queue="default")
    _wait_for(batch, ImportBatch.Status.COMMITTED, log)
    assert Claim.objects.filter(pharmacy=pharmacy).count() == 500
    assert not import_file_path(pharmacy_id=pharmacy.pk, sha256=sha256).exists()
