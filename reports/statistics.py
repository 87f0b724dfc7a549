"""Statistics computed in SQL, shared by the dashboards, the portfolio and the reports.

Rejection rate of a month = claims transmitted that month that were rejected
(at least once) / claims transmitted that month (domain.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from claims.models import Claim
from pharmacies.models import Pharmacy
from rejections.models import Rejection


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    months, current = [], first_of_month(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


@dataclass(frozen=True)
class MonthlyRate:
    month: dt.date
    claims: int
    rejected: int

    @property
    def rate(self) -> float | None:
        return self.rejected / self.claims if self.claims else None


def rejection_rates_by_month(
    *, pharmacies: QuerySet[Pharmacy], first_month: dt.date, last_month: dt.date
) -> dict[int, list[MonthlyRate]]:
    """Per pharmacy id, one MonthlyRate per month from first_month to last_month
    (months without claims included, with zero counts). One query."""
    months = month_range(first_month, last_month)
    rejected = Exists(Rejection.objects.filter(claim=OuterRef("pk")))
    rows = (
        Claim.objects.filter(
            pharmacy__in=pharmacies,
            transmission_date__gte=months[0],
            transmission_date__lt=add_months(months[-1], 1),
        )
        .annotate(month=TruncMonth("transmission_date"))
        .values("pharmacy_id", "month")
        .annotate(claims=Count("id"), rejected=Count("id", filter=Q(rejected)))
    )
    found: dict[tuple[int, dt.date], tuple[int, int]] = {}
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        found[(row["pharmacy_id"], month)] = (row["claims"], row["rejected"])
    pharmacy_ids = {pharmacy_id for pharmacy_id, _ in found} | set(
        pharmacies.values_list("pk", flat=True)
    )
    return {
        pharmacy_id: [
            MonthlyRate(month, *found.get((pharmacy_id, month), (0, 0))) for month in months
        ]
        for pharmacy_id in pharmacy_ids
    }
