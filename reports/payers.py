"""The payers' scorecard (issue 20, item 1): how each payer and each AMC operator pays.

For a set of pharmacies (one, or a manager's) on a day, over a period of transmissions
(`Period`: the last 26 weeks by default) and the same length before it:

- claims       the claims transmitted in the period;
- delay        median and 90th percentile of paid_date − transmission_date (days), over
               the period's claims that were paid (in full or in part);
- trend        the period's median delay minus the previous period's (days; + = slower);
- rejected     the share of the period's claims with at least one rejection;
- partial      the share of the period's claims paid in part (status « payée
               partiellement »);
- silent       the share of the period's claims never answered: no return at all
               (transmise / impayée) and past the payer's due date (claims/due.py);
- owed         what the payer still owes today, on every claim still owed transmitted up to
               the day (reports.figures' « en attente de paiement », per payer).

One grouped query per table (by payer, by operator, by pharmacy, or one total):
filtered aggregates over the claims of both periods plus those still owed — never a
loop over claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from claims import due
from claims.models import MONEY_FIELD, Claim, ClaimStatus, PayerKind
from pharmacies.models import Pharmacy
from rejections.models import Rejection
from reports.statistics import DaysBetween, PercentileCont

ZERO = Decimal("0.00")
PERIOD_DAYS = 182  # 26 weeks: about six months, the same weekdays in both periods
# The aggregates of `_aggregates`, in PayerCard's order.
FIGURES = ("claims", "paid", "median_delay", "p90_delay", "previous_median", "rejected",
           "partial", "silent", "owed_count", "owed")


@dataclass(frozen=True)
class Period:
    """Claims transmitted from `first` to `last` (inclusive), and the same length before."""

    first: dt.date
    last: dt.date

    @classmethod
    def ending(cls, day: dt.date, days: int = PERIOD_DAYS) -> Period:
        return cls(day - dt.timedelta(days=days - 1), day)

    @property
    def previous(self) -> Period:
        length = self.last - self.first + dt.timedelta(days=1)
        return Period(self.first - length, self.first - dt.timedelta(days=1))


@dataclass(frozen=True)
class PayerCard:
    key: object  # organism id, operator name or pharmacy id: what the row is grouped by
    claims: int
    paid: int
    median_delay: float | None
    p90_delay: float | None
    previous_median: float | None
    rejected: int
    partial: int
    silent: int
    owed_count: int
    owed: Decimal
    name: str = ""
    kind: str = ""
    operator: str = ""

    def _share(self, part: int) -> float | None:
        return part / self.claims if self.claims else None

    @property
    def rejection_rate(self) -> float | None:
        return self._share(self.rejected)

    @property
    def partial_rate(self) -> float | None:
        return self._share(self.partial)

    @property
    def silent_rate(self) -> float | None:
        return self._share(self.silent)

    @property
    def trend(self) -> float | None:
        """Days gained (−) or lost (+) on the median delay since the previous period."""
        if self.median_delay is None or self.previous_median is None:
            return None
        return self.median_delay - self.previous_median


def _claims(pharmacies: QuerySet[Pharmacy], day: dt.date, period: Period) -> QuerySet[Claim]:
    """The claims any figure reads: of both periods, or still owed."""
    return Claim.objects.filter(
        Q(transmission_date__gte=period.previous.first) | due.is_open(),
        pharmacy__in=pharmacies, transmission_date__lte=min(day, period.last),
    )


def _aggregates(day: dt.date, period: Period) -> dict:
    in_period = Q(transmission_date__gte=period.first, transmission_date__lte=period.last)
    in_previous = Q(transmission_date__gte=period.previous.first,
                    transmission_date__lte=period.previous.last)
    paid = Q(paid_date__isnull=False)
    delay = DaysBetween(F("paid_date"), F("transmission_date"))
    rejected = Exists(Rejection.objects.filter(pharmacy=OuterRef("pharmacy"), claim=OuterRef("pk")))
    silent = Q(status__in=due.SILENT_STATUSES) & due.past_due(day)
    return {
        "claims": Count("id", filter=in_period),
        "paid": Count("id", filter=in_period & paid),
        "median_delay": PercentileCont(delay, 0.5, filter=in_period & paid),
        "p90_delay": PercentileCont(delay, 0.9, filter=in_period & paid),
        "previous_median": PercentileCont(delay, 0.5, filter=in_previous & paid),
        "rejected": Count("id", filter=in_period & Q(rejected)),
        "partial": Count("id", filter=in_period & Q(status=ClaimStatus.PARTIAL)),
        "silent": Count("id", filter=in_period & silent),
        "owed_count": Count("id", filter=due.is_open()),
        "owed": Coalesce(Sum(due.outstanding(), filter=due.is_open()), Value(ZERO),
                         output_field=MONEY_FIELD),
    }


def _card(row: Mapping[str, Any], key: object, *, name: str = "", kind: str = "",
          operator: str = "") -> PayerCard:
    return PayerCard(key=key, **{figure: row[figure] for figure in FIGURES}, name=name, kind=kind,
                     operator=operator)


def empty_card(organism, *, name: str = "") -> PayerCard:
    """A payer with nothing in the periods and nothing owed: zeros, no delay."""
    return PayerCard(key=organism.pk, claims=0, paid=0, median_delay=None, p90_delay=None,
                     previous_median=None, rejected=0, partial=0, silent=0, owed_count=0,
                     owed=ZERO, name=name or organism.name or organism.code, kind=organism.kind,
                     operator=organism.operator)


def payer_cards(*, pharmacies: QuerySet[Pharmacy], day: dt.date, period: Period | None = None,
                organism_id: int | None = None) -> list[PayerCard]:
    """One card per payer, the most money waiting first (one query)."""
    period = period or Period.ending(day)
    claims = _claims(pharmacies, day, period)
    if organism_id is not None:
        claims = claims.filter(organism_id=organism_id)
    rows = (
        claims.values("organism_id", "organism__name", "organism__code", "organism__kind",
                      "organism__operator")
        .annotate(**_aggregates(day, period))
        .order_by(F("owed").desc(), F("claims").desc(), "organism__name", "organism_id")
    )
    return [
        _card(row, row["organism_id"], name=row["organism__name"] or row["organism__code"],
              kind=row["organism__kind"], operator=row["organism__operator"])
        for row in rows
    ]


def operator_cards(*, pharmacies: QuerySet[Pharmacy], day: dt.date,
                   period: Period | None = None) -> list[PayerCard]:
    """One card per AMC operator (the platform that pays for the AMC), one query.

    Grouped by (kind, operator) over all the claims, the AMO and operator-less groups
    dropped afterwards (a few rows): filtering the claims on the organism instead made
    PostgreSQL expect one organism and scan the pharmacy's claims once per organism
    (a 20,000-claim pharmacy's payers list 369 → 106 ms, bench/payers_bench.py)."""
    period = period or Period.ending(day)
    rows = (
        _claims(pharmacies, day, period)
        .values("organism__kind", "organism__operator")
        .annotate(**_aggregates(day, period))
        .order_by(F("owed").desc(), "organism__operator")
    )
    return [_card(row, row["organism__operator"], name=row["organism__operator"],
                  kind=PayerKind.AMC, operator=row["organism__operator"])
            for row in rows if row["organism__kind"] == PayerKind.AMC and row["organism__operator"]]


def payer_cards_by_pharmacy(*, pharmacies: QuerySet[Pharmacy], day: dt.date, organism_id: int,
                            period: Period | None = None) -> tuple[list[PayerCard], PayerCard | None]:
    """One payer across pharmacies: a card per pharmacy (key = its id) and the total (the
    medians of the whole set, not of the pharmacies' medians): two queries."""
    period = period or Period.ending(day)
    claims = _claims(pharmacies, day, period).filter(organism_id=organism_id)
    aggregates = _aggregates(day, period)
    rows = [
        _card(row, row["pharmacy_id"], name=row["pharmacy__name"])
        for row in claims.values("pharmacy_id", "pharmacy__name").annotate(**aggregates)
        .order_by(F("owed").desc(), "pharmacy__name")
    ]
    if not rows:
        return [], None
    return rows, _card(claims.aggregate(**aggregates), None, name="Total")
