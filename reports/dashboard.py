"""The pharmacy's home page figures (the staff dashboard), each computed in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from claims.expected_files import open_expected_file_alerts
from claims.imports.selectors import imports_awaiting_confirmation
from claims.models import MONEY_FIELD, Claim, ClaimStatus, ImportBatch
from core.periods import add_months, first_of_month
from core.statuses import ACTIONABLE_REJECTION_STATUSES
from pharmacies.models import JobRun, Pharmacy, StaffMember
from rejections.models import ReasonCategory, Rejection
from rejections.selectors import rejection_counts_by_status
from reports.figures import ageing, money_figures, unmatched_transfers
from reports.statistics import MonthlyRate, rejection_rates_by_month


def _money(expression, **kwargs):
    return Coalesce(Sum(expression, **kwargs), Value(0), output_field=MONEY_FIELD)


def month_answered(*, month: dt.date) -> Exists:
    """For a query of pharmacies: whether some of the pharmacy's claims transmitted in
    `month` have had an answer (no longer 'transmitted': paid, rejected…). EXISTS stops
    at the first answered claim."""
    return Exists(
        Claim.objects.filter(
            pharmacy=OuterRef("pk"), transmission_date__gte=month, transmission_date__lt=add_months(month, 1)
        ).exclude(status=ClaimStatus.TRANSMITTED)
    )


def pharmacies_with_answers(*, pharmacies: QuerySet[Pharmacy], month: dt.date) -> set[int]:
    """Ids of the pharmacies whose `month` has an answered claim (one query)."""
    return set(pharmacies.filter(month_answered(month=month)).values_list("pk", flat=True))


def month_has_answers(rate: MonthlyRate, *, answered: bool | Callable[[], bool]) -> bool:
    """Whether a month's rejection rate says something yet: some of its claims were
    rejected, or had another answer. The dashboards and the portfolio show this month
    once it does, the last full month before (a month's first claims, or the demo's
    data ending last month, would read 0 % and look better than the average).
    `answered` may be a function: asked only when the counts do not decide."""
    if rate.rejected > 0:
        return True
    if not rate.claims:
        return False
    return answered() if callable(answered) else answered


def pharmacy_dashboard(*, pharmacy: Pharmacy, today: dt.date) -> dict:
    """Everything the home page shows, a handful of queries whatever the volume."""
    only = Pharmacy.objects.filter(pk=pharmacy.pk)
    # The money owed by age: reports.figures, the same claims as the owed figure.
    buckets = ageing(pharmacies=only, day=today)
    bank = unmatched_transfers(pharmacy=pharmacy)

    this_month = first_of_month(today)
    # 14 months in one query: the 13 shown end with this month once some of its claims
    # have had an answer (a rejection, a payment…), else with the last month. Early in a month
    # (or in the demo, whose data end last month) its few claims have no return yet:
    # their rate would read 0 % and the trend would drop to nothing.
    months = rejection_rates_by_month(
        pharmacies=only, first_month=add_months(this_month, -13), last_month=this_month
    ).get(pharmacy.pk, [])
    current = months[-1] if months else None
    shows_current = current is not None and month_has_answers(
        current, answered=lambda: pharmacy.pk in pharmacies_with_answers(pharmacies=only, month=this_month)
    )
    months = months[1:] if shows_current else months[:-1]
    past = months[:-1]
    past_claims = sum(m.claims for m in past)
    return {
        "buckets": buckets,
        # Owed, overdue, to remind, at risk, by kind: reports.figures, the one definition.
        "money": money_figures(pharmacies=only, day=today),
        "rejections": rejection_counts_by_status(pharmacies=only),
        "bank_unmatched": bank,
        "months": months,
        "month": months[-1].month if months else this_month,
        "month_is_current": not months or months[-1].month == this_month,
        "rate_this_month": months[-1].rate if months else None,
        "rate_last_12": (sum(m.rejected for m in past) / past_claims) if past_claims else None,
        "imports": list(
            ImportBatch.objects.filter(pharmacy=pharmacy).select_related("created_by")[:5]
        ),
        # "Fichier attendu": the kinds of file late beyond their rhythm (claims.expected_files).
        "late_files": open_expected_file_alerts(pharmacies=only).get(pharmacy.pk, []),
        "imports_to_confirm": imports_awaiting_confirmation(pharmacy=pharmacy),
        "nightly": JobRun.objects.filter(pharmacy=pharmacy, job=JobRun.Job.NIGHTLY)
        .order_by("-started_at", "-pk")
        .first(),
    }


# The home page's bars show the biggest few; the worklist has every rejection.
DASHBOARD_BARS = 6


def actionable_rejections_breakdown(*, pharmacy: Pharmacy) -> dict[str, list[tuple[str, int]]]:
    """The rejections to act on (to handle, in progress: the dashboard's card) by reason,
    by category and by the staff member whose claim it was, biggest first. One grouped
    query; Python folds its few dozen rows into the three lists."""
    rows = (
        Rejection.objects.filter(pharmacy=pharmacy, status__in=ACTIONABLE_REJECTION_STATUSES)
        .values("reason__label", "reason__category", "claim__operator_code")
        .annotate(count=Count("pk"))
        .order_by()
    )
    names = {
        code: f"{first} {last}"
        for code, first, last in StaffMember.objects.filter(pharmacy=pharmacy).values_list(
            "operator_code", "first_name", "last_name"
        )
    }
    by: dict[str, dict[str, int]] = {"reasons": {}, "categories": {}, "staff": {}}
    for row in rows:
        label = row["reason__label"]
        keys = {
            "reasons": label[:1].upper() + label[1:],
            "categories": ReasonCategory(row["reason__category"]).label,
            "staff": names.get(row["claim__operator_code"], row["claim__operator_code"] or "Sans code opérateur"),
        }
        for kind, key in keys.items():
            by[kind][key] = by[kind].get(key, 0) + row["count"]
    return {
        kind: sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:DASHBOARD_BARS]
        for kind, counts in by.items()
    }
