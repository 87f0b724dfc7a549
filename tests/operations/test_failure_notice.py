"""A failed night or monthly report e-mails the supervisors once (issue 21, item 5)."""

import pytest
import redis
from django.core import mail

from pharmacies.models import User
from tests.factories import UserFactory
from tiers_payant.failures import supervisors_told_of_failure

BROKER = "redis://127.0.0.1:6379/14"


@pytest.fixture
def broker(settings):
    client = redis.Redis.from_url(BROKER)
    try:
        client.flushdb()
    except redis.RedisError:
        pytest.skip("Redis ne répond pas")
    settings.CELERY_BROKER_URL = BROKER
    yield client
    client.flushdb()


@pytest.mark.worker
def test_a_failed_night_tells_the_supervisors_once_however_many_attempts_fail(broker, pharmacy_a):
    UserFactory(username="chef", kind=User.Kind.SUPERVISOR, email="chef@backoffice.test")
    for _ in range(3):  # the first attempt, then two redeliveries
        supervisors_told_of_failure(task_name="tiers_payant.tasks.nightly_matching_pharmacy",
                                    pharmacy_id=pharmacy_a.pk, error=RuntimeError("deadlock detected"))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["chef@backoffice.test"]
    assert message.subject == f"Échec : la nuit de {pharmacy_a.name} (n° {pharmacy_a.pk})"
    assert "RuntimeError : deadlock detected" in message.body


@pytest.mark.worker
def test_another_pharmacys_failure_is_told_too(broker, pharmacy_a, pharmacy_b):
    UserFactory(username="chef", kind=User.Kind.SUPERVISOR, email="chef@backoffice.test")
    for pharmacy in (pharmacy_a, pharmacy_b):
        supervisors_told_of_failure(task_name="reports.tasks.render_monthly_report",
                                    pharmacy_id=pharmacy.pk, error=OSError("disque plein"))
    assert len(mail.outbox) == 2


def test_other_tasks_tell_nobody(pharmacy_a):
    UserFactory(username="chef", kind=User.Kind.SUPERVISOR, email="chef@backoffice.test")
    assert not supervisors_told_of_failure(task_name="claims.tasks.import_commit",
                                           pharmacy_id=pharmacy_a.pk, error=ValueError("x"))
    assert mail.outbox == []


@pytest.mark.worker
def test_the_workers_failure_signal_reaches_it(broker, pharmacy_a):
    from celery.signals import task_failure

    from tiers_payant.tasks import nightly_matching_pharmacy

    UserFactory(username="chef", kind=User.Kind.SUPERVISOR, email="chef@backoffice.test")
    task_failure.send(sender=nightly_matching_pharmacy, task_id="t-1", exception=RuntimeError("x"),
                      args=[pharmacy_a.pk, "2026-11-30"], kwargs={})
    assert [m.subject for m in mail.outbox] == [f"Échec : la nuit de {pharmacy_a.name} (n° {pharmacy_a.pk})"]
