"""Reads of the Backoffice service, through the access rule.

The portfolio is computed with one SQL subquery per figure across all the
pharmacies of the set (never a query per pharmacy): its number of queries does
not depend on how many pharmacies a manager handles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, RowNumber
from django.utils import timezone

from audit.history import HistoryEntry, Subject, object_history
from backoffice.models import (
    ContactLog,
    DelegationRule,
    ManagerAssignment,
    Reminder,
    ReminderClaim,
    TimeEntry,
)
from claims import due
from claims.expected_files import LateFile, open_expected_file_alerts
from claims.models import MONEY_FIELD, Claim, ImportBatch, Organism
from core.periods import add_months, first_of_month
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
from rejections.services import Handlers
from reports.dashboard import month_answered, month_has_answers
from reports.figures import MoneyFigures, money_figures_by_pharmacy
from reports.models import MonthlyClaimCount
from reports.statistics import PAST_MONTHS_COUNTED, rejection_rates_by_month


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
    past_months = MonthlyClaimCount.objects.filter(
        month__gte=add_months(month_start, -PAST_MONTHS_COUNTED), month__lt=month_start
    )
    return pharmacies.annotate(
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
    money: MoneyFigures  # at risk, overdue…: reports.figures, docs/figures.md
    rate_this_month: float | None  # of rate_month: this month, or the last while this one has no answer
    rate_12_months: float | None
    rate_month: dt.date | None = None
    rate_is_current: bool = True
    managers: list[str] = field(default_factory=list)
    late_files: list[LateFile] = field(default_factory=list)  # "fichier attendu" alerts

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
    "risk": lambda r: r.money.at_risk.amount,
    "rejections": lambda r: r.pharmacy.rejections_to_handle,
    "unpaid": lambda r: r.money.overdue.amount,
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
    with_figures = list(
        annotate_figures(pharmacies, today=today).annotate(month_answered=month_answered(month=month))
    )
    # This month (or the last, while this one has no answer yet: reports.dashboard's
    # rule) live; the 12 months before this one from the night's counts (annotate_figures).
    live = rejection_rates_by_month(pharmacies=pharmacies, first_month=add_months(month, -1), last_month=month)
    # The money figures of every pharmacy in one grouped query (reports.figures).
    money = money_figures_by_pharmacy(pharmacies=pharmacies, day=today)
    late_files = open_expected_file_alerts(pharmacies=pharmacies)
    rows = []
    for pharmacy in with_figures:
        last, current = live[pharmacy.pk]
        shown = current if month_has_answers(current, answered=pharmacy.month_answered) else last
        claims = pharmacy.claims_12_months
        rows.append(
            PortfolioRow(
                pharmacy=pharmacy,
                money=money[pharmacy.pk],
                rate_this_month=shown.rate,
                rate_12_months=pharmacy.rejected_12_months / claims if claims else None,
                rate_month=shown.month,
                rate_is_current=shown is current,
                late_files=late_files.get(pharmacy.pk, []),
            )
        )
    key = sort.lstrip("-")
    if key in SORT_KEYS:
        rows.sort(key=SORT_KEYS[key], reverse=sort.startswith("-"))
    return rows


@dataclass
class ManagerLoad:
    manager: User
    pharmacies: int = 0
    rejections_to_handle: int = 0
    overdue_count: int = 0
    overdue_amount: Decimal = Decimal("0")
    at_risk_amount: Decimal = Decimal("0")
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
        load.overdue_count += row.money.overdue.count
        load.overdue_amount += row.money.overdue.amount
        load.at_risk_amount += row.money.at_risk.amount
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


# The reminders page: payers (one letter each) by amount then age, a page of them at a
# time, each with its biggest claims; one payer's claims are paged on their own page.
REMINDER_PAYERS_PER_PAGE = 10
REMINDER_CLAIMS_PER_PAYER = 10
REMINDER_CLAIMS_PER_PAGE = 50


def remindable_claims(*, pharmacy: Pharmacy, today: dt.date | None = None) -> QuerySet[Claim]:
    """The claims one may remind a payer of: those to claim from the payer (claims/due.py,
    docs/figures.md), unanswered past their delay or paid in part; a rejected or taken-back
    claim needs the pharmacy to act first, a letter would ask for money not yet owed.

    The one definition behind the reminders page, its form and `reminder_create`.
    """
    today = today or timezone.localdate()
    return Claim.objects.filter(due.to_claim_from_payer(today), pharmacy=pharmacy)


def reminder_candidates(
    *, pharmacy: Pharmacy, organism_id: int | None = None, today: dt.date | None = None
) -> QuerySet[Claim]:
    """The remindable claims with what is owed and the date of their last reminder (one
    query), the biggest amount first, then the oldest."""
    # The pharmacy in the look-ups: the (pharmacy, claim) indexes answer them.
    last_reminded = Subquery(
        ReminderClaim.objects.filter(pharmacy=OuterRef("pharmacy"), claim=OuterRef("pk"))
        .order_by("-reminder__sent_on")
        .values("reminder__sent_on")[:1]
    )
    claims = (
        remindable_claims(pharmacy=pharmacy, today=today)
        .select_related("organism")
        .annotate(
            outstanding=due.outstanding(),
            reminded_on=last_reminded,
            reminder_requested=Exists(
                UnpaidFollowUp.objects.filter(
                    pharmacy=OuterRef("pharmacy"), claim=OuterRef("pk"),
                    status=UnpaidFollowUp.Status.REQUESTED,
                )
            ),
        )
        .order_by("-outstanding", "transmission_date", "pk")
    )
    if organism_id:
        claims = claims.filter(organism_id=organism_id)
    return claims


@dataclass
class ReminderGroup:
    """One payer's remindable claims: what one letter may cover."""

    organism: Organism
    count: int
    total: Decimal
    oldest: dt.date
    claims: list[Claim] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.claims)


def _payer_totals(pharmacy: Pharmacy) -> QuerySet:
    return (
        remindable_claims(pharmacy=pharmacy)
        .order_by()
        .values("organism_id")
        .annotate(
            count=Count("*"),
            total=Sum(due.outstanding()),
            oldest=Min("transmission_date"),
        )
    )


def reminder_summary(*, pharmacy: Pharmacy) -> dict:
    """How many claims, payers and euros there are to remind, in one query."""
    return remindable_claims(pharmacy=pharmacy).aggregate(
        count=Count("*"),
        payers=Count("organism_id", distinct=True),
        total=Coalesce(
            Sum(due.outstanding()),
            Value(Decimal("0"), output_field=MONEY_FIELD),
        ),
    )


def reminder_groups(
    *, pharmacy: Pharmacy, page: int | str | None = 1, organism_id: int | None = None,
    per_payer: int = REMINDER_CLAIMS_PER_PAYER,
) -> Page:
    """A page of payers, the biggest amount owed first then the oldest claim, each with
    its `per_payer` biggest claims (amount, then age).

    A fixed number of queries whatever the number of claims: the payers' totals
    (and their count, for the pages), their names, and the claims of the page's
    payers cut per payer by a window function.
    """
    totals = _payer_totals(pharmacy)
    if organism_id:
        totals = totals.filter(organism_id=organism_id)
    groups_page = Paginator(
        totals.order_by("-total", "oldest", "organism_id"), REMINDER_PAYERS_PER_PAGE
    ).get_page(page)
    rows = list(groups_page.object_list)
    organisms = Organism.objects.in_bulk([row["organism_id"] for row in rows])
    groups = {
        row["organism_id"]: ReminderGroup(
            organism=organisms[row["organism_id"]], count=row["count"], total=row["total"],
            oldest=row["oldest"],
        )
        for row in rows
    }
    if groups and per_payer:
        ranked = reminder_candidates(pharmacy=pharmacy).filter(organism_id__in=list(groups)).annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("organism_id"),
                order_by=[F("outstanding").desc(), F("transmission_date").asc(), F("pk").asc()],
            )
        )
        for claim in ranked.filter(rank__lte=per_payer):
            groups[claim.organism_id].claims.append(claim)
    groups_page.object_list = list(groups.values())
    return groups_page


def payer_claims_page(*, pharmacy: Pharmacy, organism_id: int, page: int | str | None = 1) -> Page:
    """Every remindable claim of one payer, a page at a time (amount, then age)."""
    return Paginator(
        reminder_candidates(pharmacy=pharmacy, organism_id=organism_id), REMINDER_CLAIMS_PER_PAGE
    ).get_page(page)


def organisms_with_candidates(*, pharmacy: Pharmacy, today: dt.date | None = None) -> QuerySet[Organism]:
    today = today or timezone.localdate()
    candidates = (
        remindable_claims(pharmacy=pharmacy, today=today).filter(organism=OuterRef("pk"))
        .order_by()
        .values("organism")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Organism.objects.annotate(open_claims=Subquery(candidates, output_field=IntegerField()))
        .filter(open_claims__gt=0)
        .order_by("name", "code")
    )


def reminders_for(*, pharmacy: Pharmacy, today: dt.date | None = None) -> QuerySet[Reminder]:
    """The pharmacy's reminders; `due` marks the latest one per payer whose next reminder
    date has come while some of its claims are still to claim from the payer (claims/due.py)."""
    today = today or timezone.localdate()
    superseded = Exists(
        Reminder.objects.filter(
            pharmacy=OuterRef("pharmacy"), organism=OuterRef("organism"), pk__gt=OuterRef("pk")
        )
    )
    still_open = Exists(
        ReminderClaim.objects.filter(due.to_claim_from_payer(today, "claim__"), reminder=OuterRef("pk"))
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
        .annotate(outstanding=due.outstanding())
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


def delegation_handlers(*, pharmacy_id: int) -> Handlers:
    """Who works a pharmacy's new rejections, by reason category: its delegation, as data.

    The same rule as `backoffice.services.delegation_rules_apply`: total delegation →
    the Backoffice; none → the pharmacy; partial → the rule of the reason's category,
    else the pharmacy. One query.
    """
    mode_and_rules = list(
        Pharmacy.objects.filter(pk=pharmacy_id)
        .values_list("delegation_mode", "delegation_rules__category", "delegation_rules__handled_by")
    )
    mode = mode_and_rules[0][0] if mode_and_rules else DelegationMode.NONE
    if mode == DelegationMode.TOTAL:
        return Handlers(default=HandledBy.BACKOFFICE)
    if mode == DelegationMode.PARTIAL:
        return Handlers(default=HandledBy.PHARMACY, by_category={
            category: handled_by for _, category, handled_by in mode_and_rules if category
        })
    return Handlers(default=HandledBy.PHARMACY)


def delegation_history(*, pharmacy: Pharmacy) -> list[HistoryEntry]:
    """The pharmacy's delegation, its managers and its split of rejections."""
    return object_history(pharmacy=pharmacy, subjects=[
        Subject(Pharmacy, {}), Subject(ManagerAssignment, {}), Subject(DelegationRule, {}),
    ])


def time_spent_minutes(*, pharmacy: Pharmacy, start: dt.date, stop: dt.date) -> int:
    """The Backoffice's minutes on a pharmacy, days in [start, stop) (the monthly report's)."""
    return TimeEntry.objects.filter(pharmacy=pharmacy, day__gte=start, day__lt=stop).aggregate(
        minutes=Coalesce(Sum("minutes"), 0)
    )["minutes"]
