"""Months: the period of every report, statistic and figure (a month is its first day).

`parse_month` reads `AAAA-MM` (a URL's `?mois=`); `add_months` and the others stay
inside the calendar or say so, in French, with a ValueError: the caller decides what
to show instead (reports/views.py clamps to the nearest month it can show).
"""

from __future__ import annotations

import datetime as dt
import re

# The earliest month a page, report or command may show: nothing in the product is
# older, and the arithmetic of a month near year 1 or 9999 (previous/next month, the
# 12-month trend) would leave the calendar.
FIRST_MONTH = dt.date(2000, 1, 1)

_MONTH = re.compile(r"([0-9]{4})-(1[0-2]|0[1-9]|[1-9])")


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months after `month`'s (before, if negative)."""
    index = month.year * 12 + month.month - 1 + count
    year = index // 12
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ValueError(f"mois hors du calendrier ({count:+d} mois après {month:%m/%Y})")
    return dt.date(year, index % 12 + 1, 1)


def previous_month(day: dt.date) -> dt.date:
    """The month before `day`'s: the one a monthly report covers."""
    return add_months(first_of_month(day), -1)


def last_of_month(month: dt.date) -> dt.date:
    """The last day of `month`'s month (also for December 9999)."""
    if month.month == 12:
        return month.replace(day=31)
    return month.replace(month=month.month + 1, day=1) - dt.timedelta(days=1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from `first`'s to `last`'s, both included."""
    months, current = [], first_of_month(first)
    last = first_of_month(last)
    while current <= last:
        months.append(current)
        if current.year == dt.MAXYEAR and current.month == 12:
            break
        current = add_months(current, 1)
    return months


def parse_month(text: str) -> dt.date:
    """`2026-10` → date(2026, 10, 1); ValueError with a French message otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or int(match[1]) < dt.MINYEAR:
        raise ValueError(f"mois « {text.strip()[:20]} » illisible (format attendu AAAA-MM)")
    return dt.date(int(match[1]), int(match[2]), 1)


def check_month(month: dt.date, *, latest: dt.date) -> dt.date:
    """`month` when it lies between FIRST_MONTH and `latest`'s month; ValueError in French
    naming the months that can be shown otherwise."""
    if not FIRST_MONTH <= month <= first_of_month(latest):
        raise ValueError(
            f"mois {month.month:02d}/{month.year:04d} hors de la période possible "
            f"(de {FIRST_MONTH:%m/%Y} à {latest:%m/%Y})"
        )
    return month
