"""`/sante/` for the proxy, the orchestrator and the supervisor (issue 21, item 5)."""

import datetime as dt
from unittest import mock

from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from pharmacies.models import JobRun


def _night(pharmacy, *, hours_ago: float) -> None:
    JobRun.objects.create(pharmacy=pharmacy, job=JobRun.Job.NIGHTLY, period="2026-11-30",
                          state=JobRun.State.DONE, finished_at=timezone.now() - dt.timedelta(hours=hours_ago))


def test_up_answers_ok_and_nothing_more_to_an_anonymous_client(client, pharmacy_a):
    _night(pharmacy_a, hours_ago=3)
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_stale_night_is_degraded_and_the_supervisor_sees_why(client, login, supervisor, pharmacy_a):
    _night(pharmacy_a, hours_ago=30)
    assert client.get(reverse("health")).json() == {"status": "degraded"}
    details = login(supervisor).get(reverse("health")).json()
    assert details["status"] == "degraded" and details["late"] == ["nuit"]
    assert details["night_age_hours"] == 30.0
    assert details["database_ms"] is not None


def test_other_signed_in_people_get_no_details(login, titulaire_a, pharmacy_a):
    _night(pharmacy_a, hours_ago=3)
    assert login(titulaire_a).get(reverse("health")).json() == {"status": "ok"}


def test_database_down_answers_503(client):
    with mock.patch("tiers_payant.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {"status": "down"}


def test_the_compose_file_checks_the_web_service_through_it(settings):
    from pathlib import Path

    compose = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text()
    web = compose[compose.index("\n  web:"):compose.index("\n  proxy:")]
    assert "healthcheck:" in web and "/sante/" in web
    assert "condition: service_healthy" in compose[compose.index("\n  proxy:"):]
