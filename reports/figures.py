"""The money figures every page, PDF and export shows, each computed here once (docs/figures.md).

For a set of pharmacies and a day, from the claims still owed on that day
(transmitted up to it), with the claim-level rule of claims/due.py:

- owed        (en attente de paiement): every claim still owed;
- each kind   (à relancer, à refacturer, à réclamer, paiement repris, pas encore échu);
- due         (échu): owed and past its due date;
- overdue     (en retard): owed more than the margin after its due date;
- to remind   (à relancer): no answer at all and overdue;
- at risk     (à risque): owed on every claim but those still waiting for their delay;
- recovered   (récupéré): paid on rejected claims' re-invoices (or on the claims
              themselves) during a period, every euro, partial payments included.

Each is one SQL aggregate over the claims (or the rejections) — a `QuerySet.aggregate`
for one set, the same aggregates grouped by pharmacy, or correlated subqueries for
the portfolio's annotations — never a loop over rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from claims import due
from claims.models import MONEY_FIELD, Claim, ReturnLine, ReturnStatus
from pharmacies.models import Pharmacy
from rejections.models import Rejection

ZERO = Decimal("0.00")

# What each figure is called and what it means, in the words of docs/figures.md (a test
# checks that the doc says each sentence): pages and the PDF show these, never their own.
WORDS: dict[str, tuple[str, str]] = {
    "owed": ("En attente de paiement",
             "Tout ce que les organismes doivent encore sur les factures transmises : "
             "le montant demandé moins ce qui a déjà été payé."),
    "due_on": ("Échéance",
               "La date à laquelle l'organisme paie d'habitude : date de transmission de la "
               "facture plus le délai habituel de cet organisme."),
    "due": ("Échu",
            "Ce qui reste dû sur les factures dont l'échéance est passée."),
    "overdue": ("En retard",
                "Ce qui reste dû plus de 30 jours après l'échéance, quelle que soit la "
                "réponse de l'organisme."),
    "to_remind": ("À relancer",
                  "Les factures restées sans aucune réponse de l'organisme plus de 30 jours "
                  "après leur échéance : il faut envoyer une relance."),
    "at_risk": ("Montant à risque",
                "Ce qui reste dû sur les factures rejetées, payées en partie, reprises par un "
                "indu ou restées sans réponse plus de 30 jours après l'échéance : l'argent qui "
                "ne viendra pas sans une action de la pharmacie."),
    "recovered": ("Montant récupéré",
                  "Tout ce qui a été payé dans le mois sur les factures refacturées après un "
                  "rejet (ou sur la facture rejetée elle-même), paiements partiels compris."),
}


@dataclass(frozen=True)
class Amount:
    count: int
    amount: Decimal


@dataclass(frozen=True)
class KindFigure:
    key: str
    label: str
    next_step: str
    count: int
    amount: Decimal

    @property
    def at_risk(self) -> bool:
        return self.key in due.AT_RISK_KINDS


@dataclass(frozen=True)
class MoneyFigures:
    day: dt.date
    owed: Amount
    due: Amount
    overdue: Amount
    to_remind: Amount
    at_risk: Amount
    kinds: tuple[KindFigure, ...]  # in due.KINDS order

    def kind(self, key: str) -> KindFigure:
        return next(k for k in self.kinds if k.key == key)

    @property
    def risk_kinds(self) -> tuple[KindFigure, ...]:
        return tuple(k for k in self.kinds if k.at_risk)

    @property
    def waiting(self) -> KindFigure:
        return self.kind("waiting")


# The figures and the claims each one counts (claims/due.py), by name.
def _conditions(day: dt.date, prefix: str = "") -> dict[str, Q]:
    conditions = {
        "owed": due.is_open(prefix),
        "due": due.is_due(day, prefix),
        "overdue": due.overdue(day, prefix),
        "to_remind": due.to_remind(day, prefix),
        "at_risk": due.at_risk(day, prefix),
    }
    for key in due.KINDS:
        conditions[f"kind_{key}"] = due.of_kind(key, day, prefix)
    return conditions


def _aggregates(day: dt.date) -> dict[str, Count | Coalesce]:
    out: dict[str, Count | Coalesce] = {}
    for name, condition in _conditions(day).items():
        out[f"{name}_count"] = Count("pk", filter=condition)
        out[f"{name}_amount"] = Coalesce(
            Sum(due.outstanding(), filter=condition), Value(ZERO), output_field=MONEY_FIELD
        )
    return out


def owed_claims(*, pharmacies: QuerySet[Pharmacy], day: dt.date) -> QuerySet[Claim]:
    """The claims the figures read: still owed, transmitted up to `day`."""
    return Claim.objects.filter(
        pharmacy__in=pharmacies, status__in=due.OPEN_STATUSES, transmission_date__lte=day
    )


def _figures(row: Mapping[str, Any], day: dt.date) -> MoneyFigures:
    def amount(name: str) -> Amount:
        return Amount(row[f"{name}_count"], row[f"{name}_amount"])

    return MoneyFigures(
        day=day,
        owed=amount("owed"),
        due=amount("due"),
        overdue=amount("overdue"),
        to_remind=amount("to_remind"),
        at_risk=amount("at_risk"),
        kinds=tuple(
            KindFigure(key, kind.label, kind.next_step, row[f"kind_{key}_count"],
                       row[f"kind_{key}_amount"])
            for key, kind in due.KINDS.items()
        ),
    )


def money_figures(*, pharmacies: QuerySet[Pharmacy], day: dt.date) -> MoneyFigures:
    """The money figures of a set of pharmacies (one, usually) on `day`: one query."""
    row = owed_claims(pharmacies=pharmacies, day=day).aggregate(**_aggregates(day))
    return _figures(row, day)


def money_figures_by_pharmacy(
    *, pharmacies: QuerySet[Pharmacy], day: dt.date
) -> dict[int, MoneyFigures]:
    """The same figures per pharmacy id (one grouped query); a pharmacy owed nothing is absent."""
    rows = (
        owed_claims(pharmacies=pharmacies, day=day)
        .values("pharmacy_id")
        .annotate(**_aggregates(day))
        .order_by()
    )
    return {row["pharmacy_id"]: _figures(row, day) for row in rows}


def pharmacy_money_annotations(*, day: dt.date, names: tuple[str, ...]) -> dict:
    """Figures as annotations of a Pharmacy queryset (`<name>_count`, `<name>_amount`), one
    correlated subquery each: the portfolio keeps one query for any number of pharmacies."""
    aggregates = _aggregates(day)
    out = {}
    for name in names:
        for suffix, field in (("count", IntegerField()), ("amount", MONEY_FIELD)):
            key = f"{name}_{suffix}"
            subquery = Subquery(
                Claim.objects.filter(
                    pharmacy=OuterRef("pk"), status__in=due.OPEN_STATUSES,
                    transmission_date__lte=day,
                )
                .order_by()
                .values("pharmacy")
                .annotate(value=aggregates[key])
                .values("value"),
                output_field=field,
            )
            out[key] = Coalesce(subquery, Value(0 if suffix == "count" else ZERO), output_field=field)
    return out


# The return lines that move money (a recovery, INDU, takes it back: negative).
MONEY_RETURNS = (ReturnStatus.PAID, ReturnStatus.PARTIAL, ReturnStatus.RECOVERY)


def recovered(*, pharmacies: QuerySet[Pharmacy], first: dt.date, last: dt.date) -> Amount:
    """Money paid between `first` and `last` (inclusive) on rejected claims: every euro
    paid on a re-invoice (re-invoices are linked to a rejected claim only), or on the
    rejected claim itself after its rejection, partial payments included and any
    recovery deducted, counted in the month it was paid. The count is of the rejected
    claims (dossiers) that received money."""
    rejected_before = Exists(
        Rejection.objects.filter(
            pharmacy=OuterRef("pharmacy"), claim=OuterRef("claim"),
            rejected_on__lte=OuterRef("return_date"),
        )
    )
    lines = (
        ReturnLine.objects.filter(pharmacy__in=pharmacies, status__in=MONEY_RETURNS)
        .alias(paid_on=Coalesce("payment_date", "return_date"))
        .filter(paid_on__gte=first, paid_on__lte=last)
        .filter(Q(claim__reinvoice_of__isnull=False) | Q(rejected_before))
    )
    row = lines.aggregate(
        count=Count(Coalesce("claim__reinvoice_of_id", "claim_id"), distinct=True,
                    filter=Q(amount_paid__gt=0)),
        amount=Coalesce(Sum("amount_paid"), Value(ZERO), output_field=MONEY_FIELD),
    )
    return Amount(row["count"], row["amount"])
