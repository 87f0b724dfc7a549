"""The money figures every page, PDF and export shows, each computed here once (docs/figures.md).

For a set of pharmacies and a day, from the claims still owed on that day
(transmitted up to it), with the claim-level rule of claims/due.py:

- owed        (en attente de paiement): every claim still owed;
- each kind   (à relancer, à refacturer, à réclamer, paiement repris, pas encore échu);
- overdue     (en retard): owed more than the margin after its due date;
- to remind   (à relancer): no answer at all and overdue;
- to claim from the payer (à réclamer à l'organisme): to remind plus the remainders of
              partial payments, what a reminder letter asks for;
- at risk     (à risque): owed on every claim but those still waiting for their delay;
- recovered   (récupéré): paid on rejected claims' re-invoices (or on the claims
              themselves, above their part not rejected) during a period;
- unmatched transfers (virements non rapprochés): the insurers' transfers no slip
              settles yet, by payments.selectors (the bank's figure is defined there).

Each comes from one SQL query grouping the claims still owed by pharmacy, kind and
dates (a few rows per pharmacy, added up here), or over the payments — never a loop
over claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import astuple, dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from claims import due
from claims.ageing import AGE_BUCKETS, age_filter
from claims.models import MONEY_FIELD, Claim
from core.statuses import MONEY_RETURN_STATUSES, sql_in
from payments.selectors import unmatched_insurer_transfers_total
from pharmacies.models import Pharmacy
from rejections.services import recovered_on_claim_sql

ZERO = Decimal("0.00")

# What each figure is called and what it means, in the words of docs/figures.md (a test
# checks that the doc says each sentence): pages and the PDF show these, never their own.
# `{margin}` is the UNPAID_MARGIN_DAYS setting the rule uses ("30 jours"); the doc names it
# "la marge (30 jours par défaut)".
_WORDING: dict[str, tuple[str, str]] = {
    "owed": ("En attente de paiement",
             "Tout ce que les organismes doivent encore sur les factures transmises : "
             "le montant demandé moins ce qui a déjà été payé."),
    "due_on": ("Échéance",
               "La date à laquelle l'organisme paie d'habitude : date de transmission de la "
               "facture plus le délai habituel de cet organisme."),
    "overdue": ("En retard",
                "Ce qui reste dû passé l'échéance plus {margin}, quelle que soit la "
                "réponse de l'organisme."),
    "to_remind": ("À relancer",
                  "Les factures restées sans aucune réponse de l'organisme passé leur "
                  "échéance plus {margin} : il faut envoyer une relance."),
    "to_claim_from_payer": ("À réclamer à l'organisme",
                            "Ce qui reste dû sur les factures à relancer et les restes de "
                            "paiements partiels : ce que l'organisme doit sans que la pharmacie "
                            "ait d'abord à agir, ce que demande une lettre de relance."),
    "at_risk": ("Montant à risque",
                "Ce qui reste dû sur les factures rejetées, payées en partie, reprises par un "
                "indu ou restées sans réponse passé l'échéance plus {margin} : l'argent qui "
                "ne viendra pas sans une action de la pharmacie."),
    "recovered": ("Montant récupéré",
                  "Tout ce qui a été payé dans le mois sur les factures refacturées après un "
                  "rejet (ou, sur la facture rejetée elle-même, ce qui dépasse sa part non "
                  "rejetée), paiements partiels compris."),
    "unmatched_transfers": ("Virements non rapprochés",
                            "Les virements reçus des organismes qu'aucun bordereau ne solde "
                            "encore, pour ce qu'il en reste à rapprocher ; les remises carte, "
                            "prélèvements, frais et autres mouvements du compte n'en font pas "
                            "partie (hors tiers-payant)."),
}
DOCUMENTED_MARGIN = "la marge (30 jours par défaut)"


class _Words(Mapping[str, tuple[str, str]]):
    """Key → (label, sentence), the margin of today's setting written in."""

    def __getitem__(self, key: str) -> tuple[str, str]:
        label, sentence = _WORDING[key]
        return label, sentence.format(margin=f"{due.unpaid_margin_days()} jours")

    def __iter__(self) -> Iterator[str]:
        return iter(_WORDING)

    def __len__(self) -> int:
        return len(_WORDING)

    def documented(self) -> dict[str, tuple[str, str]]:
        """The words as docs/figures.md writes them, the margin named."""
        return {key: (label, sentence.format(margin=DOCUMENTED_MARGIN))
                for key, (label, sentence) in _WORDING.items()}


WORDS = _Words()


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
    overdue: Amount
    to_remind: Amount
    at_risk: Amount
    to_claim_from_payer: Amount
    kinds: tuple[KindFigure, ...]  # in due.KINDS order

    def kind(self, key: str) -> KindFigure:
        return next(k for k in self.kinds if k.key == key)

    @property
    def risk_kinds(self) -> tuple[KindFigure, ...]:
        return tuple(k for k in self.kinds if k.at_risk)

    @property
    def waiting(self) -> KindFigure:
        return self.kind("waiting")


def owed_claims(*, pharmacies: QuerySet[Pharmacy], day: dt.date) -> QuerySet[Claim]:
    """The claims the figures read: still owed, transmitted up to `day`."""
    return Claim.objects.filter(
        pharmacy__in=pharmacies, status__in=due.OPEN_STATUSES, transmission_date__lte=day
    )


def _groups(claims: QuerySet[Claim], day: dt.date, *by: str) -> QuerySet:
    """Count and amount owed per (`by`…, kind, overdue): a few rows per pharmacy.

    One GROUP BY over the claims still owed (the index of the claims not paid finds
    them) by the claim-level rule of claims/due.py, each claim's kind and dates computed
    once; the figures are these few rows added up (`_fold`). Twenty filtered aggregates
    of the same rule cost ten times more to compile and run.
    """
    return (
        claims.annotate(
            kind=due.kind_expression(day),
            late=ExpressionWrapper(due.late(day), output_field=BooleanField()),
        )
        .values(*by, "kind", "late")
        .annotate(n=Count("*"), amount=Sum(due.outstanding()))
        .order_by()
    )


def _fold(rows: list[dict], day: dt.date) -> MoneyFigures:
    """The figures from the grouped rows of one pharmacy (or one set): sums of a few rows."""
    def total(keep) -> Amount:
        chosen = [row for row in rows if keep(row)]
        return Amount(sum(row["n"] for row in chosen),
                      sum((row["amount"] for row in chosen), ZERO))

    kinds = tuple(
        KindFigure(key, kind.label, kind.next_step, *astuple(total(lambda r, k=key: r["kind"] == k)))
        for key, kind in due.KINDS.items()
    )
    return MoneyFigures(
        day=day,
        owed=total(lambda r: True),
        overdue=total(lambda r: r["late"]),
        to_remind=total(lambda r: r["kind"] == "to_remind"),
        at_risk=total(lambda r: r["kind"] in due.AT_RISK_KINDS),
        to_claim_from_payer=total(lambda r: r["kind"] in due.TO_CLAIM_FROM_PAYER_KINDS),
        kinds=kinds,
    )


def money_figures(*, pharmacies: QuerySet[Pharmacy], day: dt.date) -> MoneyFigures:
    """The money figures of a set of pharmacies (one, usually) on `day`: one query."""
    return money_figures_of(claims=owed_claims(pharmacies=pharmacies, day=day), day=day)


def money_figures_of(*, claims: QuerySet[Claim], day: dt.date) -> MoneyFigures:
    """The same figures over some of the claims (e.g. the diagnostic's first months): those
    still owed and transmitted up to `day` count; one query."""
    owed = claims.filter(status__in=due.OPEN_STATUSES, transmission_date__lte=day)
    return _fold(list(_groups(owed, day)), day)


@dataclass(frozen=True)
class AgeBucket:
    label: str
    count: int
    amount: Decimal
    key: str = ""  # of claims.ageing.AGE_BUCKETS, for drill-down links


def ageing(*, pharmacies: QuerySet[Pharmacy], day: dt.date) -> list[AgeBucket]:
    """Argent en attente par ancienneté: the claims still owed on `day` (`owed_claims`, so
    the buckets add up to the owed figure) by their age on that day (claims.ageing), one
    query, a pair of aggregates per bucket."""
    aggregates: dict[str, Count | Coalesce] = {}
    for key in AGE_BUCKETS:
        condition = age_filter("transmission_date", key, day)
        aggregates[f"count_{key}"] = Count("pk", filter=condition)
        aggregates[f"amount_{key}"] = Coalesce(
            Sum(due.outstanding(), filter=condition), Value(ZERO), output_field=MONEY_FIELD
        )
    row = owed_claims(pharmacies=pharmacies, day=day).aggregate(**aggregates)
    return [AgeBucket(label, row[f"count_{key}"], row[f"amount_{key}"], key)
            for key, (label, _low, _high) in AGE_BUCKETS.items()]


class FiguresByPharmacy(dict[int, MoneyFigures]):
    """Pharmacy id → its figures; a pharmacy owed nothing has zeros."""

    def __init__(self, day: dt.date) -> None:
        super().__init__()
        self.day = day

    def __missing__(self, pharmacy_id: int) -> MoneyFigures:
        return _fold([], self.day)


def money_figures_by_pharmacy(*, pharmacies: QuerySet[Pharmacy], day: dt.date) -> FiguresByPharmacy:
    """The same figures per pharmacy id, in one query."""
    rows: dict[int, list[dict]] = {}
    for row in _groups(owed_claims(pharmacies=pharmacies, day=day), day, "pharmacy_id"):
        rows.setdefault(row["pharmacy_id"], []).append(row)
    figures = FiguresByPharmacy(day)
    figures.update((pk, _fold(found, day)) for pk, found in rows.items())
    return figures


def recovered(*, pharmacies: QuerySet[Pharmacy], first: dt.date, last: dt.date) -> Amount:
    """Money paid between `first` and `last` (inclusive) on rejected claims: every euro
    paid on a re-invoice (re-invoices are linked to a rejected claim only), partial
    payments included and any recovery deducted; on the rejected claim itself, only what
    came above its part not rejected (rejections.services.recovered_on_claim_sql, the rule
    of a rejection's recovered amount: a partly rejected claim's normal payment is not
    recovered money), counted in the month it was paid. The count is of the rejected
    claims (dossiers) that received recovered money.

    One query: each money line of those claims with what was paid on the claim up to it
    (a running sum in payment order), so that the month gets the part of the line above
    the part not rejected."""
    pharmacy_ids = list(pharmacies.values_list("pk", flat=True))
    def above(paid: str) -> str:
        return recovered_on_claim_sql(paid=paid, claimed="amount_claimed", rejected="rejected")

    sql = f"""
        WITH rejected AS (
            SELECT claim_id, max(amount) AS amount FROM rejections_rejection
            WHERE pharmacy_id = ANY(%(p)s) GROUP BY claim_id
        ), candidates AS (
            -- re-invoices and rejected claims (a few per cent): their lines are then found
            -- by the (pharmacy, claim) index, not by reading every payment received
            SELECT id FROM claims_claim
            WHERE pharmacy_id = ANY(%(p)s) AND reinvoice_of_id IS NOT NULL
            UNION ALL SELECT claim_id FROM rejected
        ), lines AS (
            SELECT coalesce(c.reinvoice_of_id, c.id) AS dossier, c.reinvoice_of_id,
                   c.amount_claimed, rj.amount AS rejected, r.amount_paid,
                   coalesce(r.payment_date, r.return_date) AS paid_on,
                   sum(r.amount_paid) OVER (
                       PARTITION BY r.claim_id
                       ORDER BY coalesce(r.payment_date, r.return_date), r.id
                   ) AS paid_after
            FROM claims_returnline r
            JOIN claims_claim c ON c.id = r.claim_id
            LEFT JOIN rejected rj ON rj.claim_id = r.claim_id
            WHERE r.pharmacy_id = ANY(%(p)s) AND r.claim_id IN (SELECT id FROM candidates)
              AND r.status IN {sql_in(MONEY_RETURN_STATUSES)}
              AND (c.reinvoice_of_id IS NOT NULL OR rj.claim_id IS NOT NULL)
        ), counted AS (
            SELECT dossier, amount_paid,
                   CASE WHEN reinvoice_of_id IS NOT NULL THEN amount_paid
                        ELSE {above("paid_after")} - {above("(paid_after - amount_paid)")}
                   END AS recovered
            FROM lines WHERE paid_on BETWEEN %(first)s AND %(last)s
        )
        SELECT count(DISTINCT dossier) FILTER (WHERE amount_paid > 0 AND recovered > 0),
               coalesce(sum(recovered), 0)
        FROM counted
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"p": pharmacy_ids, "first": first, "last": last})
        count, amount = cursor.fetchone()
    return Amount(count, Decimal(amount).quantize(ZERO))


def unmatched_transfers(*, pharmacy: Pharmacy) -> Amount:
    """Virements non rapprochés: how many insurers' transfers, and what is left of them to
    reconcile (payments.selectors.UNMATCHED_INSURER_TRANSFERS, one aggregate)."""
    total = unmatched_insurer_transfers_total(pharmacy=pharmacy)
    return Amount(total["count"], total["amount"])
