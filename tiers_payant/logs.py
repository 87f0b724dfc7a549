"""Logs as JSON lines, each with who and what it was about — never patient data.

Every record of the web and the workers carries the request id (the proxy's
`X-Request-ID`, or a new one, echoed in the response), the user id and the
pharmacy ids of the request's scope; a worker's records carry the task's name
and id instead. Messages are ours: they name ids and counts, not patients.
"""

from __future__ import annotations

import contextvars
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from types import MappingProxyType

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from pharmacies.row_security import current_scope

# An immutable default: a dict would be one object shared by every context.
_context: contextvars.ContextVar[Mapping[str, object]] = contextvars.ContextVar(
    "log_context", default=MappingProxyType({})
)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "user_id", "pharmacy_ids", "task", "task_id")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({field: getattr(record, field) for field in self.FIELDS if hasattr(record, field)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestContextMiddleware:
    """Gives each request an id (kept from the proxy's header when it sends one) and puts it,
    the user and the request's pharmacies (its row-level scope: this middleware runs inside
    `RowSecurityMiddleware`) on every log record of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        user = request.user
        scope = current_scope()
        token = _context.set({
            "request_id": request_id,
            "user_id": user.pk if user.is_authenticated else None,
            "pharmacy_ids": "all" if scope.all_pharmacies else scope.pharmacy_ids,
        })
        try:
            response = self.get_response(request)
        finally:
            _context.reset(token)
        response["X-Request-ID"] = request_id
        return response


def task_context_enter(*, task_name: str, task_id: str) -> contextvars.Token:
    return _context.set({"task": task_name, "task_id": task_id})


def task_context_leave(token: contextvars.Token) -> None:
    _context.reset(token)
