"""Reads about pharmacies, always through the access rule."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from pharmacies.access import visible_pharmacies
from pharmacies.models import Pharmacy, StaffMember, User

MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)


def pharmacies_for_user(*, user: User) -> QuerySet[Pharmacy]:
    return visible_pharmacies(user).order_by("name")


def pharmacy_overview(*, pharmacy: Pharmacy) -> dict:
    """A few headline counts, each one SQL aggregate."""
    from claims.models import OPEN_CLAIM_STATUSES, Claim
    from payments.models import BankLine
    from rejections.models import OPEN_REJECTION_STATUSES, Rejection

    claims = Claim.objects.filter(pharmacy=pharmacy).aggregate(
        total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_CLAIM_STATUSES))
    )
    return {
        "claims_total": claims["total"],
        "claims_open": claims["open"],
        "rejections_open": Rejection.objects.filter(
            pharmacy=pharmacy, status__in=OPEN_REJECTION_STATUSES
        ).count(),
        "bank_lines_unmatched": BankLine.objects.filter(
            pharmacy=pharmacy, status=BankLine.Status.UNMATCHED, amount__gt=0
        ).count(),
    }


def _money(expression, **kwargs):
    return Coalesce(Sum(expression, **kwargs), Value(0), output_field=MONEY_FIELD)


def pharmacy_dashboard(*, pharmacy: Pharmacy, today: dt.date) -> dict:
    """Everything the home page shows, a handful of queries whatever the volume."""
    from backoffice.models import JobRun
    from claims.models import OPEN_CLAIM_STATUSES, Claim, ClaimStatus, ImportBatch
    from payments.models import BankLine
    from claims.ageing import AGE_BUCKETS, age_filter
    from rejections.selectors import rejection_counts_by_status
    from reports.statistics import add_months, first_of_month, rejection_rates_by_month

    only = Pharmacy.objects.filter(pk=pharmacy.pk)
    outstanding = ExpressionWrapper(F("amount_claimed") - F("amount_paid"), output_field=MONEY_FIELD)
    aggregates = {}
    for key in AGE_BUCKETS:
        condition = Q(status__in=OPEN_CLAIM_STATUSES) & age_filter("transmission_date", key, today)
        aggregates[f"count_{key}"] = Count("pk", filter=condition)
        aggregates[f"amount_{key}"] = _money(outstanding, filter=condition)
    unpaid = Q(status=ClaimStatus.UNPAID)
    aggregates["unpaid_count"] = Count("pk", filter=unpaid)
    aggregates["unpaid_amount"] = _money(outstanding, filter=unpaid)
    aggregates["open_count"] = Count("pk", filter=Q(status__in=OPEN_CLAIM_STATUSES))
    aggregates["open_amount"] = _money(outstanding, filter=Q(status__in=OPEN_CLAIM_STATUSES))
    # Every figure is about open claims: reading only those (index on pharmacy,
    # status) keeps the page's cost to the open work, not the pharmacy's history.
    claims = Claim.objects.filter(pharmacy=pharmacy, status__in=OPEN_CLAIM_STATUSES).aggregate(**aggregates)
    buckets = [
        {
            "key": key,
            "label": label,
            "count": claims[f"count_{key}"],
            "amount": claims[f"amount_{key}"],
        }
        for key, (label, _low, _high) in AGE_BUCKETS.items()
    ]
    bank = BankLine.objects.filter(
        pharmacy=pharmacy, status=BankLine.Status.UNMATCHED, amount__gt=0
    ).aggregate(count=Count("pk"), amount=_money("amount"))

    this_month = first_of_month(today)
    months = rejection_rates_by_month(
        pharmacies=only, first_month=add_months(this_month, -12), last_month=this_month
    ).get(pharmacy.pk, [])
    past = months[:-1]
    past_claims = sum(m.claims for m in past)
    return {
        "buckets": buckets,
        "open_count": claims["open_count"],
        "open_amount": claims["open_amount"],
        "unpaid_count": claims["unpaid_count"],
        "unpaid_amount": claims["unpaid_amount"],
        "rejections": rejection_counts_by_status(pharmacies=only),
        "bank_unmatched": bank,
        "months": months,
        "rate_this_month": months[-1].rate if months else None,
        "rate_last_12": (sum(m.rejected for m in past) / past_claims) if past_claims else None,
        "imports": list(
            ImportBatch.objects.filter(pharmacy=pharmacy).select_related("created_by")[:5]
        ),
        "nightly": JobRun.objects.filter(pharmacy=pharmacy, job=JobRun.Job.NIGHTLY)
        .order_by("-started_at", "-pk")
        .first(),
    }


def staff_members(*, pharmacy: Pharmacy) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(pharmacy=pharmacy).select_related("user").order_by(
        "-active", "last_name", "first_name"
    )
