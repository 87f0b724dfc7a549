"""Tasks are enqueued when the transaction that asked for them commits: never during it
(a worker would not yet see its rows), never after a rollback (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from celery.signals import before_task_publish, task_prerun
from django.db import transaction

from claims.models import ImportBatch
from tests.imports.helpers import claims_text
from tests.imports.test_import_pages import upload

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class RolledBack(Exception):
    pass


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sent():
    """Every task sent to a broker or run inline (tests have no broker), by name."""
    names: list[str] = []

    def published(sender=None, **kwargs):
        names.append(sender)

    def started(sender=None, **kwargs):
        names.append(sender.name)

    before_task_publish.connect(published, weak=False)
    task_prerun.connect(started, weak=False)
    yield names
    before_task_publish.disconnect(published)
    task_prerun.disconnect(started)


def test_an_upload_enqueues_its_analysis_when_the_transaction_commits(
    login, titulaire_a, pharmacy_a, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(login(titulaire_a), pharmacy_a, "f.csv", claims_text(pharmacy_a.finess, 2).encode())
    assert response.status_code == 302
    assert sent == []
    assert ImportBatch.objects.get().status == ImportBatch.Status.PENDING

    for callback in callbacks:  # the commit
        callback()
    assert sent == ["claims.tasks.import_analyse"]
    assert ImportBatch.objects.get().status == ImportBatch.Status.PREVIEW


def test_an_upload_in_a_rolled_back_transaction_sends_nothing(
    login, titulaire_a, pharmacy_a, sent, django_capture_on_commit_callbacks
):
    client = login(titulaire_a)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RolledBack),
        transaction.atomic(),
    ):
        upload(client, pharmacy_a, "f.csv", claims_text(pharmacy_a.finess, 2).encode())
        assert ImportBatch.objects.exists()
        raise RolledBack
    assert callbacks == []
    assert sent == []
    assert not ImportBatch.objects.exists()


def test_no_code_enqueues_a_task_outside_on_commit():
    """`task.delay(…)` sends at once, committed or not: the code uses `delay_on_commit`
    (Celery's transaction.on_commit(partial(task.delay, …))). Benches and tests may send."""
    direct = re.compile(r"(?<!self)\.(delay|apply_async)\(|send_task\(")
    code = [folder for folder in ROOT.iterdir()
            if folder.is_dir() and not folder.name.startswith(".") and folder.name not in {"tests", "bench"}]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in code
        for path in folder.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if direct.search(line)
    ]
    assert offenders == []
