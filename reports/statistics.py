"""Statistics computed in SQL, shared by the dashboards, the portfolio and the reports.

Rejection rate of a month = claims transmitted that month that were rejected
(at least once) / claims transmitted that month (domain.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)

from claims.models import Claim
from core.periods import add_months, first_of_month, last_of_month, month_range
from pharmacies.models import Pharmacy, StaffMember
from rejections.models import HandledBy, ReasonCategory, Rejection, UnpaidFollowUp
from reports.figures import (
    AgeBucket,
    MoneyFigures,
    ageing,
    money_figures,
    money_figures_by_pharmacy,
    recovered,
)
from reports.models import MonthlyClaimCount

# A missing row of a grouped query, read with .get(key, NO_ROW).get(column).
NO_ROW: dict[str, Any] = {}


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
    (months without claims included, with zero counts). Two queries."""
    months = month_range(first_month, last_month)
    period = {"transmission_date__gte": months[0], "transmission_date__lt": add_months(months[-1], 1)}
    # Two grouped halves (one UNION ALL) rather than a per-claim EXISTS
    # (docs/decisions.md, "Reports and figures"): the claims are only counted, which an
    # index-only scan of (pharmacy, transmission_date) answers without reading a
    # claim row; the rejected ones are found from the rejections side (~2.5 % of
    # the claims), each claim once however many times it was rejected, by the
    # claim's transmission date each rejection carries (an index-only scan of
    # (pharmacy, claim_sent_on) including claim_id: no claim read). Both count
    # per day (the index order, no per-row expression) and the outer query folds
    # the few hundred days into months.
    none = Value(0, output_field=IntegerField())
    claims = (
        Claim.objects.filter(pharmacy__in=pharmacies, **period)
        .values("pharmacy_id", "transmission_date")
        .annotate(n=Count("*"), zero=none)
        .values_list("pharmacy_id", "transmission_date", "n", "zero")
    )
    rejected = (
        Rejection.objects.filter(
            pharmacy__in=pharmacies,
            claim_sent_on__gte=period["transmission_date__gte"],
            claim_sent_on__lt=period["transmission_date__lt"],
        )
        .values("pharmacy_id", "claim_sent_on")
        .annotate(zero=none, n=Count("claim_id", distinct=True))
        .values_list("pharmacy_id", "claim_sent_on", "zero", "n")
    )
    per_day, params = claims.union(rejected, all=True).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pharmacy_id, date_trunc('month', day)::date, sum(claims)::int, sum(rejected)::int"
            f" FROM ({per_day}) AS per_day (pharmacy_id, day, claims, rejected) GROUP BY 1, 2",
            params,
        )
        found: dict[tuple[int, dt.date], tuple[int, int]] = {
            (pharmacy_id, month): (n_claims, n_rejected)
            for pharmacy_id, month, n_claims, n_rejected in cursor.fetchall()
        }
    pharmacy_ids = {pharmacy_id for pharmacy_id, _ in found} | set(
        pharmacies.values_list("pk", flat=True)
    )
    return {
        pharmacy_id: [
            MonthlyRate(month, *found.get((pharmacy_id, month), (0, 0))) for month in months
        ]
        for pharmacy_id in pharmacy_ids
    }


PAST_MONTHS_COUNTED = 12


def monthly_counts_refresh(*, pharmacy_id: int, today: dt.date) -> int:
    """Recount one pharmacy's 12 months before `today`'s month into MonthlyClaimCount.

    The night's last step: the counts are those of `rejection_rates_by_month`
    (one definition), so the portfolio's 12-month rate is last night's. Idempotent.
    """
    month = first_of_month(today)
    rates = rejection_rates_by_month(
        pharmacies=Pharmacy.objects.filter(pk=pharmacy_id),
        first_month=add_months(month, -PAST_MONTHS_COUNTED),
        last_month=add_months(month, -1),
    )
    counts = [
        MonthlyClaimCount(pharmacy_id=pharmacy_id, month=rate.month, claims=rate.claims,
                          rejected=rate.rejected)
        for rate in rates.get(pharmacy_id, [])
    ]
    MonthlyClaimCount.objects.bulk_create(
        counts, update_conflicts=True, unique_fields=["pharmacy", "month"],
        update_fields=["claims", "rejected", "counted_at"],
    )
    return len(counts)


# ---------------------------------------------------------------------------
# The statistics of one month for one pharmacy (monthly report, statistics page,
# Excel). Every figure is an SQL aggregate; Python only reshapes a few dozen rows.
#
# Definitions (docs/decisions.md, "Reports and figures"):
# - the month's claims are those transmitted in the month; rejections, their
#   reasons, categories and operators are those of these claims (the cohort), so
#   that every rate has its own denominator;
# - payment delays are those of the claims paid in the month (transmission →
#   payment, in days);
# - unpaid claims are the open ones (OPEN_CLAIM_STATUSES) transmitted up to the
#   end of the month, aged at the end of the month, as they stand today;
# - the money figures (owed, overdue, at risk, by kind) are reports.figures' on
#   the month's last day;
# - recovered = reports.figures.recovered over the month;
# - work = rejections closed in the month, by who handled them; Backoffice hours
#   from its time entries.
# ---------------------------------------------------------------------------

ZERO = Decimal("0.00")
# An operator with fewer claims than this in the month is not singled out as
# "needing help": two rejections out of five claims say little.
MIN_OPERATOR_CLAIMS = 10
MAIN_PAYERS = 12


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: percentile_cont(f) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    # %(filter)s: Django renders `filter=` there (FILTER (WHERE …)), else nothing.
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class DaysBetween(Func):
    """date - date in PostgreSQL: a whole number of days."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


def _money(value) -> Decimal:
    return value if value is not None else ZERO


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class ReasonFigure:
    reason_id: int
    code: str
    payer_kind: str
    label: str
    category: str
    category_label: str
    avoidable_at_counter: bool
    advice_prevent: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class CategoryFigure:
    category: str
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class OperatorFigure:
    operator_code: str
    name: str
    claims: int
    rejected: int
    avoidable: int
    amount: Decimal
    reasons: tuple[ReasonFigure, ...]  # the reasons behind this operator's rejections, most frequent first

    @property
    def rate(self) -> float | None:
        return _rate(self.rejected, self.claims)

    @property
    def avoidable_rate(self) -> float | None:
        return _rate(self.avoidable, self.claims)


@dataclass(frozen=True)
class PayerFigure:
    organism_id: int
    name: str
    kind: str
    claims: int
    rejected: int
    paid: int
    median_delay: float | None
    p90_delay: float | None

    @property
    def rate(self) -> float | None:
        return _rate(self.rejected, self.claims)


@dataclass(frozen=True)
class MonthStatistics:
    pharmacy: Pharmacy
    month: dt.date
    claims: int
    claims_amount: Decimal
    rejected_claims: int
    rejections: int
    rejections_amount: Decimal
    avoidable_rejections: int
    trend: list[MonthlyRate]
    reasons: list[ReasonFigure]
    categories: list[CategoryFigure]
    operators: list[OperatorFigure]
    payers: list[PayerFigure]
    unpaid: list[AgeBucket]
    money: MoneyFigures  # on the month's last day (reports.figures)
    recovered_count: int
    recovered_amount: Decimal
    closed_by_pharmacy: int
    closed_by_backoffice: int
    follow_ups_sent: int
    backoffice_minutes: int

    @property
    def rejection_rate(self) -> float | None:
        return _rate(self.rejected_claims, self.claims)

    @property
    def month_end(self) -> dt.date:
        return last_of_month(self.month)

    @property
    def unpaid_total(self) -> AgeBucket:
        return AgeBucket("Total", sum(b.count for b in self.unpaid), sum((b.amount for b in self.unpaid), ZERO))

    @property
    def backoffice_hours(self) -> float:
        return self.backoffice_minutes / 60

    @property
    def top_reasons(self) -> list[ReasonFigure]:
        return self.reasons[:3]

    @property
    def main_payers(self) -> list[PayerFigure]:
        """The payers a printed page can hold; the HTML page and Excel list them all."""
        return self.payers[:MAIN_PAYERS]

    @property
    def minor_payers(self) -> list[PayerFigure]:
        """The payers beyond main_payers (most of them with a claim or two): behind a click."""
        return self.payers[MAIN_PAYERS:]

    @property
    def other_payers(self) -> AgeBucket | None:
        """The payers beyond main_payers, summed (count of payers, claims)."""
        rest = self.minor_payers
        return AgeBucket(f"{len(rest)} autres organismes", sum(p.claims for p in rest), ZERO) if rest else None

    @property
    def operator_needing_help(self) -> OperatorFigure | None:
        """The operator with the highest rate of rejections avoidable at the counter."""
        candidates = [o for o in self.operators if o.claims >= MIN_OPERATOR_CLAIMS and o.avoidable]
        if not candidates:
            return None
        return max(candidates, key=lambda o: (o.avoidable_rate, o.avoidable))


def _reason_figure(row: dict) -> ReasonFigure:
    return ReasonFigure(
        reason_id=row["reason_id"],
        code=row["reason__code"],
        payer_kind=row["reason__payer_kind"],
        label=row["reason__label"],
        category=row["reason__category"],
        category_label=ReasonCategory(row["reason__category"]).label,
        avoidable_at_counter=row["reason__avoidable_at_counter"],
        advice_prevent=row["reason__advice_prevent"],
        count=row["count"],
        amount=_money(row["amount"]),
    )


REASON_FIELDS = (
    "reason_id", "reason__code", "reason__payer_kind", "reason__label", "reason__category",
    "reason__avoidable_at_counter", "reason__advice_prevent",
)


# The Backoffice's minutes in a pharmacy's month are the Backoffice's data (its time
# entries), above reports: backoffice registers their reader when Django starts
# (backoffice.apps), so the monthly figures read them without importing it.
MinutesReader = Callable[..., int]  # (pharmacy=, start=, stop=) -> minutes in [start, stop)
_minutes_readers: list[MinutesReader] = []


def backoffice_minutes_register(reader: MinutesReader) -> None:
    _minutes_readers[:] = [reader]


def _backoffice_minutes(**window) -> int:
    if not _minutes_readers:
        raise LookupError("No app registered the Backoffice's minutes (backoffice.apps).")
    return _minutes_readers[0](**window)


def month_statistics(*, pharmacy: Pharmacy, month: dt.date) -> MonthStatistics:
    """Every figure of the monthly report for one pharmacy and month (a dozen queries)."""
    month = first_of_month(month)
    next_month = add_months(month, 1)
    month_end = next_month - dt.timedelta(days=1)
    in_month = {"transmission_date__gte": month, "transmission_date__lt": next_month}
    claims = Claim.objects.filter(pharmacy=pharmacy, **in_month)
    rejections = Rejection.objects.filter(pharmacy=pharmacy, claim__in=claims)
    # pharmacy in the subqueries: see rejection_rates_by_month.
    rejected = Exists(Rejection.objects.filter(pharmacy=pharmacy, claim=OuterRef("pk")))
    avoidable = Exists(
        Rejection.objects.filter(
            pharmacy=pharmacy, claim=OuterRef("pk"), reason__avoidable_at_counter=True
        )
    )

    totals = claims.aggregate(
        count=Count("id"),
        amount=Sum("amount_claimed"),
        rejected=Count("id", filter=Q(rejected)),
    )
    rejection_totals = rejections.aggregate(
        count=Count("id"),
        amount=Sum("amount"),
        avoidable=Count("id", filter=Q(reason__avoidable_at_counter=True)),
    )

    reasons = [
        _reason_figure(row)
        for row in rejections.values(*REASON_FIELDS)
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("-count", "-amount", "reason__code")
    ]
    categories = [
        CategoryFigure(row["reason__category"], ReasonCategory(row["reason__category"]).label,
                       row["count"], _money(row["amount"]))
        for row in rejections.values("reason__category")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("-count", "reason__category")
    ]

    # Operators: volume and rejected claims per operator code, then the reasons behind them.
    reasons_by_operator: dict[str, list[ReasonFigure]] = {}
    for row in (
        rejections.values("claim__operator_code", *REASON_FIELDS)
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("claim__operator_code", "-count", "reason__code")
    ):
        reasons_by_operator.setdefault(row["claim__operator_code"], []).append(_reason_figure(row))
    names = {
        code: f"{first} {last}"
        for code, first, last in StaffMember.objects.filter(pharmacy=pharmacy).values_list(
            "operator_code", "first_name", "last_name"
        )
    }
    operators = [
        OperatorFigure(
            operator_code=row["operator_code"],
            name=names.get(row["operator_code"], row["operator_code"]),
            claims=row["claims"],
            rejected=row["rejected"],
            avoidable=row["avoidable"],
            amount=_money(sum((r.amount for r in reasons_by_operator.get(row["operator_code"], ())), ZERO)),
            reasons=tuple(reasons_by_operator.get(row["operator_code"], ())),
        )
        for row in claims.values("operator_code")
        .annotate(
            claims=Count("id"),
            rejected=Count("id", filter=Q(rejected)),
            avoidable=Count("id", filter=Q(avoidable)),
        )
        .order_by("-rejected", "operator_code")
    ]

    # Payers: rejection rate on the month's claims, delays on the month's payments.
    volume = {
        row["organism_id"]: row
        for row in claims.values("organism_id", "organism__name", "organism__code", "organism__kind")
        .annotate(claims=Count("id"), rejected=Count("id", filter=Q(rejected)))
    }
    delay = DaysBetween(F("paid_date"), F("transmission_date"))
    delays = {
        row["organism_id"]: row
        for row in Claim.objects.filter(
            pharmacy=pharmacy, paid_date__gte=month, paid_date__lt=next_month
        )
        .values("organism_id", "organism__name", "organism__code", "organism__kind")
        .annotate(paid=Count("id"), median=PercentileCont(delay, 0.5), p90=PercentileCont(delay, 0.9))
    }
    payers = sorted(
        (
            PayerFigure(
                organism_id=organism_id,
                name=(row := volume.get(organism_id) or delays[organism_id])["organism__name"]
                or row["organism__code"],
                kind=row["organism__kind"],
                claims=volume.get(organism_id, NO_ROW).get("claims", 0),
                rejected=volume.get(organism_id, NO_ROW).get("rejected", 0),
                paid=delays.get(organism_id, NO_ROW).get("paid", 0),
                median_delay=delays.get(organism_id, NO_ROW).get("median"),
                p90_delay=delays.get(organism_id, NO_ROW).get("p90"),
            )
            for organism_id in volume.keys() | delays.keys()
        ),
        key=lambda p: (-p.claims, p.name),
    )

    # Unpaid claims by age at the end of the month: reports.figures, as on the dashboard.
    only = Pharmacy.objects.filter(pk=pharmacy.pk)
    unpaid = ageing(pharmacies=only, day=month_end)
    money = money_figures(pharmacies=only, day=month_end)
    recovered_in_month = recovered(pharmacies=only, first=month, last=month_end)
    closed = Rejection.objects.filter(pharmacy=pharmacy, closed_on__gte=month, closed_on__lt=next_month)
    work = closed.aggregate(
        by_pharmacy=Count("id", filter=Q(handled_by=HandledBy.PHARMACY)),
        by_backoffice=Count("id", filter=Q(handled_by=HandledBy.BACKOFFICE)),
    )
    follow_ups = UnpaidFollowUp.objects.filter(
        pharmacy=pharmacy, sent_on__gte=month, sent_on__lt=next_month
    ).count()
    minutes = _backoffice_minutes(pharmacy=pharmacy, start=month, stop=next_month)

    trend = rejection_rates_by_month(
        pharmacies=Pharmacy.objects.filter(pk=pharmacy.pk),
        first_month=add_months(month, -11),
        last_month=month,
    )[pharmacy.pk]

    return MonthStatistics(
        pharmacy=pharmacy,
        month=month,
        claims=totals["count"],
        claims_amount=_money(totals["amount"]),
        rejected_claims=totals["rejected"],
        rejections=rejection_totals["count"],
        rejections_amount=_money(rejection_totals["amount"]),
        avoidable_rejections=rejection_totals["avoidable"],
        trend=trend,
        reasons=reasons,
        categories=categories,
        operators=operators,
        payers=payers,
        unpaid=unpaid,
        money=money,
        recovered_count=recovered_in_month.count,
        recovered_amount=recovered_in_month.amount,
        closed_by_pharmacy=work["by_pharmacy"],
        closed_by_backoffice=work["by_backoffice"],
        follow_ups_sent=follow_ups,
        backoffice_minutes=minutes,
    )


@dataclass(frozen=True)
class PharmacyComparison:
    pharmacy: Pharmacy
    claims: int
    rejected: int
    previous_rate: float | None
    rejections_amount: Decimal
    avoidable: int
    overdue: Decimal  # reports.figures, on the month's last day
    at_risk: Decimal

    @property
    def rate(self) -> float | None:
        return _rate(self.rejected, self.claims)


def pharmacies_comparison(*, pharmacies: QuerySet[Pharmacy], month: dt.date) -> list[PharmacyComparison]:
    """The month's key figures side by side for a manager's pharmacies (three queries)."""
    month = first_of_month(month)
    next_month = add_months(month, 1)
    month_end = next_month - dt.timedelta(days=1)
    rates = rejection_rates_by_month(pharmacies=pharmacies, first_month=add_months(month, -1), last_month=month)
    rejections = {
        row["pharmacy_id"]: row
        for row in Rejection.objects.filter(
            pharmacy__in=pharmacies,
            claim__transmission_date__gte=month,
            claim__transmission_date__lt=next_month,
        )
        .values("pharmacy_id")
        .annotate(amount=Sum("amount"), avoidable=Count("id", filter=Q(reason__avoidable_at_counter=True)))
    }
    money = money_figures_by_pharmacy(pharmacies=pharmacies, day=month_end)
    return [
        PharmacyComparison(
            pharmacy=pharmacy,
            claims=rates[pharmacy.pk][1].claims,
            rejected=rates[pharmacy.pk][1].rejected,
            previous_rate=rates[pharmacy.pk][0].rate,
            rejections_amount=_money(rejections.get(pharmacy.pk, NO_ROW).get("amount")),
            avoidable=rejections.get(pharmacy.pk, NO_ROW).get("avoidable", 0),
            overdue=money[pharmacy.pk].overdue.amount,
            at_risk=money[pharmacy.pk].at_risk.amount,
        )
        for pharmacy in pharmacies.order_by("name")
    ]
