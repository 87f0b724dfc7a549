"""Month names in French, from Django's localized date formats (no hand-written list).

`month_name` → `octobre 2026` (titles, the report's e-mail); `month_label` →
`oct. 26` (a chart's axis). The product speaks French whatever the request's
language, so both render under the `fr` locale, also in a Celery worker.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.formats import date_format


def month_name(month: dt.date) -> str:
    with translation.override("fr"):
        return date_format(month, "F Y")


def month_label(month: dt.date) -> str:
    with translation.override("fr"):
        return date_format(month, "N y")
