"""Reads of the Backoffice service, through the access rule.

The portfolio is computed with one SQL subquery per figure across all the
pharmacies of the set (never a query per pharmacy): its number of queries does
not depend on how many pharmacies a manager handles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from backoffice.models import ContactLog, ManagerAssignment, Reminder, ReminderClaim, TimeEntry
from claims.models import MONEY_FIELD, Claim, ClaimStatus, ImportBatch, Organism
from core.statuses import ACTIONABLE_REJECTION_STATUSES
from payments.models import BankLine
from payments.selectors import UNMATCHED_INSURER_TRANSFERS
from pharmacies.access import visible_pharmacies
from pharmacies.models import DelegationMode, Pharmacy, User
from rejections.models import (
    HandledBy,
    Rejection,
    RejectionEvent,
    UnpaidFollowUp,
)
from reports.models import MonthlyClaimCount
from reports.statistics import (
    PAST_MONTHS_COUNTED,
    add_months,
    first_of_month,
    rejection_rates_by_month,
)

# Money at risk: what is still owed on claims the payer rejected or never paid (docs/decisions.md).
AT_RISK_STATUSES = (ClaimStatus.REJECTED, ClaimStatus.UNPAID)
# Claims still waiting for money after 30 days: flagged unpaid, or transmitted and never answered.
WAITING_STATUSES = (ClaimStatus.UNPAID, ClaimStatus.TRANSMITTED)
UNPAID_AGE_DAYS = 30


def _per_pharmacy(queryset: QuerySet, aggregate, output_field) -> Subquery:
    """One correlated aggregate per pharmacy row, computed by the database."""
    return Subquery(
        queryset.filter(pharmacy=OuterRef("pk"))
        .order_by()
        .values("pharmacy")
        .annotate(value=aggregate)
        .values("value"),
        output_field=output_field,
    )


def backoffice_rejections(queryset: QuerySet[Rejection]) -> QuerySet[Rejection]:
    """Rejections the Backoffice works: all of a total delegation, its share of a partial one."""
    return queryset.filter(
        Q(handled_by=HandledBy.BACKOFFICE) | ~Q(pharmacy__delegation_mode=DelegationMode.PARTIAL)
    )


def annotate_figures(pharmacies: QuerySet[Pharmacy], *, today: dt.date) -> QuerySet[Pharmacy]:
    month_start = first_of_month(today)
    zero_money = Value(Decimal("0"), output_field=MONEY_FIELD)
    past_months = MonthlyClaimCount.objects.filter(
        month__gte=add_months(month_start, -PAST_MONTHS_COUNTED), month__lt=month_start
    )
    return pharmacies.annotate(
        money_at_risk=Coalesce(
            _per_pharmacy(
                Claim.objects.filter(status__in=AT_RISK_STATUSES),
                Sum(F("amount_claimed") - F("amount_paid")),
                MONEY_FIELD,
            ),
            zero_money,
        ),
        rejections_to_handle=Coalesce(
            _per_pharmacy(
                backoffice_rejections(
                    Rejection.objects.filter(status__in=ACTIONABLE_REJECTION_STATUSES)
                ),
                Count("pk"),
                IntegerField(),
            ),
            0,
        ),
        unpaid_over_30=Coalesce(
            _per_pharmacy(
                Claim.objects.filter(
                    status__in=WAITING_STATUSES,
                    transmission_date__lt=today - dt.timedelta(days=UNPAID_AGE_DAYS),
                ),
                Count("*"),  # rows, not ids: the index of the claims not paid alone answers
                IntegerField(),
            ),
            0,
        ),
        unmatched_bank_lines=Coalesce(
            _per_pharmacy(
                BankLine.objects.filter(UNMATCHED_INSURER_TRANSFERS),
                Count("*"),  # as above, from the index of the insurers' open transfers
                IntegerField(),
            ),
            0,
        ),
        minutes_this_month=Coalesce(
            _per_pharmacy(
                TimeEntry.objects.filter(day__gte=month_start), Sum("minutes"), IntegerField()
            ),
            0,
        ),
        # The 12 past months as counted by the last night (reports.models.MonthlyClaimCount).
        claims_12_months=_per_pharmacy(past_months, Sum("claims"), IntegerField()),
        rejected_12_months=_per_pharmacy(past_months, Sum("rejected"), IntegerField()),
        # GREATEST ignores NULLs in PostgreSQL: the latest of whatever happened.
        last_activity=Greatest(
            _per_pharmacy(RejectionEvent.objects.all(), Max("created_at"), DateTimeField()),
            _per_pharmacy(ImportBatch.objects.all(), Max("created_at"), DateTimeField()),
            _per_pharmacy(Reminder.objects.all(), Max("created_at"), DateTimeField()),
            _per_pharmacy(ContactLog.objects.all(), Max("created_at"), DateTimeField()),
        ),
    )


@dataclass
class PortfolioRow:
    pharmacy: Pharmacy
    rate_this_month: float | None
    rate_12_months: float | None
    managers: list[str] = field(default_factory=list)

    @property
    def hours_used(self) -> Decimal:
        return (Decimal(self.pharmacy.minutes_this_month) / 60).quantize(Decimal("0.1"))

    @property
    def hours_ratio(self) -> float | None:
        contract = self.pharmacy.delegation_hours_per_month
        if self.pharmacy.delegation_mode != DelegationMode.PARTIAL or not contract:
            return None
        return self.pharmacy.minutes_this_month / (contract * 60)

    @property
    def rate_trend(self) -> str:
        """'up' when this month is worse than the 12-month average, for the badge."""
        if self.rate_this_month is None or self.rate_12_months is None:
            return ""
        return "up" if self.rate_this_month > self.rate_12_months else "down"


SORT_KEYS = {
    "name": lambda r: r.pharmacy.name.lower(),
    "mode": lambda r: r.pharmacy.delegation_mode,
    "risk": lambda r: r.pharmacy.money_at_risk,
    "rejections": lambda r: r.pharmacy.rejections_to_handle,
    "unpaid": lambda r: r.pharmacy.unpaid_over_30,
    "rate": lambda r: r.rate_this_month if r.rate_this_month is not None else -1.0,
    "bank": lambda r: r.pharmacy.unmatched_bank_lines,
    "hours": lambda r: r.pharmacy.minutes_this_month,
    "activity": lambda r: r.pharmacy.last_activity or dt.datetime.min.replace(tzinfo=dt.UTC),
}


def portfolio_rows(
    *, pharmacies: QuerySet[Pharmacy], sort: str = "-risk", today: dt.date | None = None
) -> list[PortfolioRow]:
    """One row per pharmacy with its figures; a fixed number of queries for any number of pharmacies."""
    today = today or timezone.localdate()
    month = first_of_month(today)
    pharmacies = pharmacies.order_by("name")
    with_figures = list(annotate_figures(pharmacies, today=today))
    # This month live; the 12 months before it from the night's counts (annotate_figures).
    this_month = rejection_rates_by_month(pharmacies=pharmacies, first_month=month, last_month=month)
    rows = []
    for pharmacy in with_figures:
        months = this_month.get(pharmacy.pk, [])
        claims = pharmacy.claims_12_months
        rows.append(
            PortfolioRow(
                pharmacy=pharmacy,
                rate_this_month=months[-1].rate if months else None,
                rate_12_months=pharmacy.rejected_12_months / claims if claims else None,
            )
        )
    key = sort.lstrip("-")
    if key in SORT_KEYS:
        rows.sort(key=SORT_KEYS[key], reverse=sort.startswith("-"))
    return rows


def supervision_rows(*, user: User) -> QuerySet[Pharmacy]:
    """Every pharmacy the supervisor sees, with its managers' names in one query."""
    return visible_pharmacies(user).annotate(
        managers=StringAgg(
            "manager_assignments__manager__username",
            delimiter=Value(", "),
            order_by="manager_assignments__manager__username",
        )
    ).order_by("name")


@dataclass
class ManagerLoad:
    manager: User
    pharmacies: int = 0
    rejections_to_handle: int = 0
    unpaid_over_30: int = 0
    money_at_risk: Decimal = Decimal("0")
    minutes_this_month: int = 0

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes_this_month) / 60).quantize(Decimal("0.1"))


def supervision_overview(*, user: User, sort: str = "name", today: dt.date | None = None) -> dict:
    """Delegated pharmacies with their figures and managers, and each manager's load.

    The load sums the portfolio rows of the manager's pharmacies (rows, not claims);
    the hours are the manager's own time entries this month.
    """
    today = today or timezone.localdate()
    rows = portfolio_rows(pharmacies=visible_pharmacies(user), sort=sort, today=today)
    by_pharmacy = {row.pharmacy.pk: row for row in rows}
    loads = {
        manager.pk: ManagerLoad(manager=manager)
        for manager in User.objects.filter(kind=User.Kind.MANAGER, is_active=True).order_by(
            "last_name", "username"
        )
    }
    for pharmacy_id, manager_id in ManagerAssignment.objects.filter(
        pharmacy__in=visible_pharmacies(user)
    ).values_list("pharmacy_id", "manager_id"):
        row, load = by_pharmacy.get(pharmacy_id), loads.get(manager_id)
        if row is None or load is None:
            continue
        row.managers.append(load.manager.get_full_name() or load.manager.username)
        load.pharmacies += 1
        load.rejections_to_handle += row.pharmacy.rejections_to_handle
        load.unpaid_over_30 += row.pharmacy.unpaid_over_30
        load.money_at_risk += row.pharmacy.money_at_risk
    for manager_id, minutes in (
        TimeEntry.objects.filter(day__gte=first_of_month(today), manager_id__in=loads)
        .values("manager_id")
        .annotate(total=Sum("minutes"))
        .values_list("manager_id", "total")
    ):
        loads[manager_id].minutes_this_month = minutes or 0
    return {"rows": rows, "loads": list(loads.values())}


def delegable_pharmacies(*, user: User) -> QuerySet[Pharmacy]:
    """Pharmacies whose delegation a user may set: all of them for a supervisor
    (a pharmacy not yet delegated is outside the access rule until they delegate it)."""
    if user.is_authenticated and user.kind == User.Kind.SUPERVISOR:
        return Pharmacy.objects.all()
    return Pharmacy.objects.none()


def managers() -> QuerySet[User]:
    return User.objects.filter(kind=User.Kind.MANAGER, is_active=True).order_by("last_name", "username")


def reminder_candidates(
    *, pharmacy: Pharmacy, organism_id: int | None = None, today: dt.date | None = None
) -> QuerySet[Claim]:
    """Claims of one pharmacy one may remind a payer of: rejected or unpaid, still owed,
    with the date of their last reminder (one query)."""
    last_reminded = Subquery(
        ReminderClaim.objects.filter(claim=OuterRef("pk"))
        .order_by("-reminder__sent_on")
        .values("reminder__sent_on")[:1]
    )
    claims = (
        Claim.objects.filter(pharmacy=pharmacy, status__in=AT_RISK_STATUSES)
        .select_related("organism")
        .annotate(
            outstanding=F("amount_claimed") - F("amount_paid"),
            reminded_on=last_reminded,
            reminder_requested=Exists(
                UnpaidFollowUp.objects.filter(claim=OuterRef("pk"), status=UnpaidFollowUp.Status.REQUESTED)
            ),
        )
        .order_by("organism__name", "transmission_date", "invoice_number")
    )
    if organism_id:
        claims = claims.filter(organism_id=organism_id)
    return claims


def organisms_with_candidates(*, pharmacy: Pharmacy) -> QuerySet[Organism]:
    return (
        Organism.objects.filter(
            claims__pharmacy=pharmacy, claims__status__in=AT_RISK_STATUSES
        )
        .annotate(open_claims=Count("claims"))
        .order_by("name", "code")
    )


def reminders_for(*, pharmacy: Pharmacy, today: dt.date | None = None) -> QuerySet[Reminder]:
    """The pharmacy's reminders; `due` marks the latest one per payer whose next reminder
    date has come while some of its claims are still rejected or unpaid."""
    today = today or timezone.localdate()
    superseded = Exists(
        Reminder.objects.filter(
            pharmacy=OuterRef("pharmacy"), organism=OuterRef("organism"), pk__gt=OuterRef("pk")
        )
    )
    still_open = Exists(
        ReminderClaim.objects.filter(
            reminder=OuterRef("pk"), claim__status__in=AT_RISK_STATUSES
        )
    )
    return (
        Reminder.objects.filter(pharmacy=pharmacy)
        .select_related("organism", "created_by")
        .annotate(
            claim_count=Count("lines"),
            due=Q(next_on__lte=today) & ~superseded & still_open,
        )
        .order_by("-sent_on", "-id")
    )


def reminder_claims(*, reminder: Reminder) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(pharmacy_id=reminder.pharmacy_id, reminder_lines__reminder=reminder)
        .annotate(outstanding=F("amount_claimed") - F("amount_paid"))
        .order_by("transmission_date", "invoice_number")
    )


def contact_logs_for(*, pharmacy: Pharmacy, organism_id: int | None = None) -> QuerySet[ContactLog]:
    logs = ContactLog.objects.filter(pharmacy=pharmacy).select_related("organism", "created_by")
    if organism_id:
        logs = logs.filter(organism_id=organism_id)
    return logs


def time_entries_for(*, pharmacy: Pharmacy, today: dt.date | None = None) -> QuerySet[TimeEntry]:
    today = today or timezone.localdate()
    return (
        TimeEntry.objects.filter(pharmacy=pharmacy, day__gte=first_of_month(today))
        .select_related("manager")
        .order_by("-day", "-id")
    )


def running_time_entry(*, pharmacy: Pharmacy, manager: User) -> TimeEntry | None:
    return TimeEntry.objects.filter(
        pharmacy=pharmacy, manager=manager, started_at__isnull=False, minutes=0
    ).first()
