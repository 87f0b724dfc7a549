"""Reads for the reports pages; callers pass a pharmacy already checked by the access rule."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from claims.ageing import AGE_BUCKETS, age_filter
from claims.models import OPEN_CLAIM_STATUSES, Claim
from core.periods import add_months, first_of_month
from payments.models import BankLine, PaymentSlip
from pharmacies.models import Pharmacy
from rejections.models import Rejection
from reports.models import MonthlyReport


def report_lease_remaining(*, pharmacy_id: int, month: dt.date) -> float | None:
    """Seconds until the lease of a report in `rendering` ends (0 if it has ended);
    None when the report is not being rendered."""
    lease_until = (
        MonthlyReport.objects.filter(
            pharmacy_id=pharmacy_id, month=first_of_month(month), state=MonthlyReport.State.RENDERING
        )
        .values_list("lease_until", flat=True)
        .first()
    )
    if lease_until is None:
        return None
    return max((lease_until - timezone.now()).total_seconds(), 0.0)


def reports_archive(*, pharmacy: Pharmacy) -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.filter(pharmacy=pharmacy).order_by("-month")


def month_rejections(*, pharmacy: Pharmacy, month: dt.date, filters: dict[str, str]) -> QuerySet[Rejection]:
    """The month's rejections (claims transmitted in the month), narrowed by the drill-down
    filters of the statistics page: reason, category, operator, organism, avoidable."""
    month = first_of_month(month)
    queryset = Rejection.objects.filter(
        pharmacy=pharmacy,
        claim__transmission_date__gte=month,
        claim__transmission_date__lt=add_months(month, 1),
    ).select_related("claim", "claim__organism", "reason")
    lookups = {
        "motif": "reason_id",
        "categorie": "reason__category",
        "operateur": "claim__operator_code",
        "organisme": "claim__organism_id",
    }
    for param, lookup in lookups.items():
        if filters.get(param):
            if lookup.endswith("_id") and not filters[param].isdigit():
                return queryset.none()
            queryset = queryset.filter(**{lookup: filters[param]})
    if filters.get("evitable") == "1":
        queryset = queryset.filter(reason__avoidable_at_counter=True)
    return queryset.order_by("-amount", "pk")


def open_claims(*, pharmacy: Pharmacy, month: dt.date, bucket: str | None = None) -> QuerySet[Claim]:
    """Claims still open, transmitted up to the end of the month; `bucket` a key of AGE_BUCKETS."""
    month_end = add_months(first_of_month(month), 1) - dt.timedelta(days=1)
    queryset = Claim.objects.filter(
        pharmacy=pharmacy, status__in=OPEN_CLAIM_STATUSES, transmission_date__lte=month_end
    ).select_related("organism")
    if bucket in AGE_BUCKETS:
        queryset = queryset.filter(age_filter("transmission_date", bucket, month_end))
    return queryset.order_by("transmission_date", "pk")


def month_slips(*, pharmacy: Pharmacy, month: dt.date) -> QuerySet[PaymentSlip]:
    month = first_of_month(month)
    return PaymentSlip.objects.filter(
        pharmacy=pharmacy, payment_date__gte=month, payment_date__lt=add_months(month, 1)
    )


def month_bank_lines(*, pharmacy: Pharmacy, month: dt.date) -> QuerySet[BankLine]:
    month = first_of_month(month)
    return BankLine.objects.filter(
        pharmacy=pharmacy, booking_date__gte=month, booking_date__lt=add_months(month, 1)
    )
