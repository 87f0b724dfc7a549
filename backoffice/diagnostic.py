"""Onboarding diagnostic of a new pharmacy, from its first imported months.

The criteria are those of the first seed article ("un diagnostic est dressé en
fonction … du nombre de rejets mensuels, du montant des impayés, du chiffre
d'affaires référent tiers-payant"), plus the rejection rate against the
national 2–5 % range, the top reasons and the operators at the counter. The
suggestion is a small score whose every step is written out for the reader.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from claims.models import Claim
from core.money import format_decimal, format_euros, format_percent, quantize_money
from core.periods import add_months, first_of_month
from pharmacies.models import DelegationMode, Pharmacy
from rejections.models import Fault, Rejection
from reports.figures import WORDS, money_figures_of
from reports.statistics import rejection_rates_by_month

MONTHS = 3
NATIONAL_LOW, NATIONAL_HIGH = 0.02, 0.05
# Typical effort of a tiers-payant specialist, used to size a partial delegation.
MINUTES_PER_REJECTION = 10
MINUTES_PER_UNPAID_CLAIM = 5


@dataclass(frozen=True)
class DiagnosticMonth:
    month: dt.date
    claims: int
    rejected: int
    rejections: int
    revenue: Decimal

    @property
    def rate(self) -> float | None:
        return self.rejected / self.claims if self.claims else None


@dataclass
class Diagnostic:
    pharmacy: Pharmacy
    months: list[DiagnosticMonth]
    unpaid_amount: Decimal = Decimal("0")
    unpaid_claims: int = 0
    top_reasons: list[dict] = field(default_factory=list)
    top_operators: list[dict] = field(default_factory=list)
    suggestion: str = DelegationMode.NONE
    suggested_hours: int | None = None
    reasoning: list[str] = field(default_factory=list)
    score: int = 0

    @property
    def has_data(self) -> bool:
        return any(m.claims for m in self.months)

    @property
    def rejections_per_month(self) -> float:
        return sum(m.rejections for m in self.months) / len(self.months) if self.months else 0.0

    @property
    def revenue_per_month(self) -> Decimal:
        if not self.months:
            return Decimal("0")
        return quantize_money(sum((m.revenue for m in self.months), Decimal("0")) / len(self.months))

    @property
    def rate(self) -> float | None:
        claims = sum(m.claims for m in self.months)
        return sum(m.rejected for m in self.months) / claims if claims else None

    @property
    def suggestion_label(self) -> str:
        return DelegationMode(self.suggestion).label

    @property
    def rate_position(self) -> str:
        if self.rate is None:
            return ""
        if self.rate < NATIONAL_LOW:
            return "below"
        return "above" if self.rate > NATIONAL_HIGH else "within"


def _percent(ratio: float) -> str:
    return format_percent(ratio, 1)


def diagnostic_compute(*, pharmacy: Pharmacy, months: int = MONTHS) -> Diagnostic:
    first = Claim.objects.filter(pharmacy=pharmacy).aggregate(first=Min("transmission_date"))["first"]
    if first is None:
        return Diagnostic(pharmacy=pharmacy, months=[], reasoning=["Aucune facture importée."])
    start = first_of_month(first)
    end = add_months(start, months)
    claims = Claim.objects.filter(
        pharmacy=pharmacy, transmission_date__gte=start, transmission_date__lt=end
    )
    rates = rejection_rates_by_month(
        pharmacies=Pharmacy.objects.filter(pk=pharmacy.pk),
        first_month=start,
        last_month=add_months(end, -1),
    )[pharmacy.pk]
    revenue = {
        _as_date(row["month"]): row["revenue"]
        for row in claims.annotate(month=TruncMonth("transmission_date"))
        .values("month")
        .annotate(revenue=Sum("amount_claimed"))
    }
    rejections = Rejection.objects.filter(pharmacy=pharmacy, claim__in=claims)
    per_month = {
        _as_date(row["month"]): row["n"]
        for row in rejections.annotate(month=TruncMonth("claim__transmission_date"))
        .values("month")
        .annotate(n=Count("pk"))
    }
    diagnostic = Diagnostic(
        pharmacy=pharmacy,
        months=[
            DiagnosticMonth(
                month=r.month,
                claims=r.claims,
                rejected=r.rejected,
                rejections=per_month.get(r.month, 0),
                revenue=revenue.get(r.month) or Decimal("0"),
            )
            for r in rates
        ],
    )
    # The at-risk amount of these months' claims today: reports.figures, the one definition.
    at_risk = money_figures_of(claims=claims, day=timezone.localdate()).at_risk
    diagnostic.unpaid_amount = at_risk.amount
    diagnostic.unpaid_claims = at_risk.count
    diagnostic.top_reasons = list(
        rejections.values("reason__code", "reason__label", "reason__category")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("-n", "reason__code")[:5]
    )
    diagnostic.top_operators = list(
        rejections.filter(reason__fault=Fault.COUNTER)
        .values("claim__operator_code")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("-n", "claim__operator_code")[:5]
    )
    _suggest(diagnostic)
    return diagnostic


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _suggest(d: Diagnostic) -> None:
    """A score from the seed article's criteria; every step explained in French."""
    score, why = 0, []
    rate = d.rate
    if rate is None:
        why.append("Taux de rejet : aucune facture transmise sur la période.")
    elif rate > NATIONAL_HIGH:
        score += 2
        why.append(f"Taux de rejet {_percent(rate)} : au-dessus de la fourchette nationale (2 à 5 %) → +2.")
    elif rate >= NATIONAL_LOW:
        score += 1
        why.append(f"Taux de rejet {_percent(rate)} : dans la fourchette nationale (2 à 5 %) → +1.")
    else:
        why.append(f"Taux de rejet {_percent(rate)} : sous la fourchette nationale (2 à 5 %) → 0.")
    per_month = d.rejections_per_month
    monthly = format_decimal(Decimal(str(per_month)), 0)
    if per_month > 100:
        score += 2
        why.append(f"{monthly} rejets par mois : plus de 100 → +2.")
    elif per_month > 40:
        score += 1
        why.append(f"{monthly} rejets par mois : entre 40 et 100 → +1.")
    else:
        why.append(f"{monthly} rejets par mois : 40 ou moins → 0.")
    period_revenue = sum((m.revenue for m in d.months), Decimal("0"))
    share = float(d.unpaid_amount / period_revenue) if period_revenue else 0.0
    amount = f"{WORDS['at_risk'][0]} {format_euros(d.unpaid_amount)}"
    if share > 0.03:
        score += 2
        why.append(f"{amount}, {_percent(share)} du chiffre d'affaires tiers-payant : plus de 3 % → +2.")
    elif share > 0.015:
        score += 1
        why.append(f"{amount}, {_percent(share)} du chiffre d'affaires tiers-payant : entre 1,5 et 3 % → +1.")
    else:
        why.append(f"{amount}, {_percent(share)} du chiffre d'affaires tiers-payant : 1,5 % ou moins → 0.")
    d.score = score
    if score >= 4:
        d.suggestion = DelegationMode.TOTAL
        why.append(f"Score {score} sur 6 (4 ou plus) : délégation totale conseillée.")
    elif score >= 2:
        d.suggestion = DelegationMode.PARTIAL
        minutes = per_month * MINUTES_PER_REJECTION + (
            d.unpaid_claims / max(len(d.months), 1)
        ) * MINUTES_PER_UNPAID_CLAIM
        d.suggested_hours = max(4, math.ceil(minutes / 60))
        why.append(
            f"Score {score} sur 6 (2 ou 3) : délégation partielle conseillée, environ "
            f"{d.suggested_hours} h par mois ({MINUTES_PER_REJECTION} min par rejet, "
            f"{MINUTES_PER_UNPAID_CLAIM} min par impayé)."
        )
    else:
        d.suggestion = DelegationMode.NONE
        why.append(f"Score {score} sur 6 (moins de 2) : la pharmacie peut garder la gestion, avec un suivi statistique.")
    d.reasoning = why
