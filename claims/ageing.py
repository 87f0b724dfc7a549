"""Age buckets of open claims (domain.md): 0–30, 31–60, 61–90, > 90 days.

The one definition every page, worklist, statistic and job uses: key →
(French label, first day, last day or None).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Q, Value, When

AGE_BUCKETS: dict[str, tuple[str, int, int | None]] = {
    "0-30": ("0 à 30 jours", 0, 30),
    "31-60": ("31 à 60 jours", 31, 60),
    "61-90": ("61 à 90 jours", 61, 90),
    "90+": ("plus de 90 jours", 91, None),
}


def age_bucket(days: int) -> str:
    for key, (_label, low, high) in AGE_BUCKETS.items():
        if days >= low and (high is None or days <= high):
            return key
    return "0-30"  # dated in the future: counts as new


def age_filter(date_field: str, bucket: str, today: dt.date) -> Q:
    """Rows whose `date_field` is `bucket` old on `today`."""
    _label, low, high = AGE_BUCKETS[bucket]
    condition = Q(**{f"{date_field}__lte": today - dt.timedelta(days=low)})
    if high is not None:
        condition &= Q(**{f"{date_field}__gte": today - dt.timedelta(days=high)})
    return condition


def age_bucket_expression(date_field: str, today: dt.date) -> Case:
    """The bucket key of `date_field` on `today`, as SQL (a future date counts as new)."""
    return Case(
        *[When(age_filter(date_field, key, today), then=Value(key)) for key in AGE_BUCKETS],
        default=Value("0-30"),
        output_field=CharField(),
    )
