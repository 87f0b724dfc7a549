"""Logs as JSON lines naming the request, its user and pharmacies, or the task (issue 21, item 5)."""

import json
import logging

from celery.signals import task_postrun, task_prerun
from django.http import HttpResponse
from django.test import RequestFactory

from pharmacies.row_security import database_scope
from tiers_payant.logs import ContextFilter, JsonFormatter, RequestContextMiddleware


class Captured(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(ContextFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


def _capture() -> Captured:
    handler = Captured()
    logging.getLogger("tiers_payant.test").addHandler(handler)
    return handler


def test_a_requests_log_lines_name_the_request_the_user_and_the_pharmacies(titulaire_a, pharmacy_a):
    handler = _capture()
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-42")
    request.user = titulaire_a

    def view(request):
        logging.getLogger("tiers_payant.test").warning("import refusé : %s lignes", 3)
        return HttpResponse("ok")

    with database_scope([pharmacy_a.pk]):
        response = RequestContextMiddleware(view)(request)
    assert response["X-Request-ID"] == "req-42"
    line = handler.lines[-1]
    assert line["message"] == "import refusé : 3 lignes" and line["level"] == "WARNING"
    assert line["request_id"] == "req-42" and line["user_id"] == titulaire_a.pk
    assert line["pharmacy_ids"] == f"{{{pharmacy_a.pk}}}"


def test_a_tasks_log_lines_name_the_task():
    handler = _capture()
    class NightlyTask:  # what the signals read of a task
        name = "tiers_payant.tasks.nightly_pharmacy"

    task = NightlyTask()
    task_prerun.send(sender=task, task_id="t-1", task=task)
    logging.getLogger("tiers_payant.test").error("nuit en échec")
    task_postrun.send(sender=task, task_id="t-1", task=task)
    logging.getLogger("tiers_payant.test").error("après")
    assert handler.lines[0]["task"] == "tiers_payant.tasks.nightly_pharmacy"
    assert handler.lines[0]["task_id"] == "t-1"
    assert "task" not in handler.lines[1]
