"""When a claim is due, overdue, to remind: the one rule, as SQL (docs/figures.md).

A claim's **due date** (échéance) is its transmission date plus its payer's usual
delay. The delay is in working days; it is turned into calendar days (× 7/5,
rounded up) so that a date can be computed in SQL without a calendar table.
A claim still owed is **overdue** (en retard) once its due date is more than
`UNPAID_MARGIN_DAYS` days behind (default 30, the domain's "no payment after 30
days": a payer a little late is not chased).

Each open claim is of exactly one **kind**, which says what to do next:

- `to_remind`   no answer at all and overdue (or flagged unpaid by the night): à relancer;
- `waiting`     no answer yet, not overdue: en attente du délai habituel;
- `partial`     paid in part: the remainder is à réclamer à l'organisme;
- `rejected`    rejected and not yet re-invoiced: à corriger et refacturer;
- `taken_back`  its payment was taken back by a recovery (indu): à vérifier, puis
                refacturer ou contester.

**At risk** (à risque) is what is owed on every open claim but those `waiting`.
**To claim from the payer** (à réclamer à l'organisme) is `to_remind` plus `partial`:
what a reminder letter asks for.

Everything here is an expression or a Q object to put inside a filter or an
aggregate (`Sum(outstanding(), filter=overdue(day))`), never a loop over rows.
Names take a `prefix` (e.g. "claim__") to be used from a related model.
The night's raw SQL (claims/unpaid.py) uses `overdue_sql`, the same rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.lookups import LessThan

from claims.models import MONEY_FIELD, OPEN_CLAIM_STATUSES, ClaimStatus

# What is still owed on these claims (the others are paid, re-invoiced or lost).
OPEN_STATUSES = OPEN_CLAIM_STATUSES
# No answer from the payer (yet): the payer scorecard's never-answered share (reports/payers.py).
SILENT_STATUSES = (ClaimStatus.TRANSMITTED, ClaimStatus.UNPAID)


def unpaid_margin_days() -> int:
    return int(getattr(settings, "UNPAID_MARGIN_DAYS", 30))


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # what it is, as the pages and the PDF say it
    next_step: str  # what to do about it


# In the order the pages and the PDF list them: the actions first, the waiting last.
KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("to_remind", "Impayés sans réponse", "à relancer"),
        Kind("rejected", "Rejets non refacturés", "à corriger et refacturer"),
        Kind("partial", "Restes de paiements partiels", "à réclamer à l'organisme"),
        Kind("taken_back", "Paiements repris (indu)", "à vérifier, puis refacturer ou contester"),
        Kind("waiting", "Sans réponse, dans les délais", "en attente du délai habituel"),
    )
}
AT_RISK_KINDS = ("to_remind", "rejected", "partial", "taken_back")
# What the payer owes with nothing for the pharmacy to do first (`to_claim_from_payer`).
TO_CLAIM_FROM_PAYER_KINDS = ("to_remind", "partial")


class _DatePlusDays(Func):
    """date + integer in PostgreSQL: a date."""

    arg_joiner = " + "
    template = "(%(expressions)s)"
    output_field = DateField()


class _CalendarDays(Func):
    """A number of working days as calendar days (× 7/5, rounded up), in integer arithmetic
    ((7 d + 4) / 5 is ceil(7 d / 5) for d ≥ 0): cheaper per claim than numeric ceil()."""

    template = "((%(expressions)s * 7 + 4) / 5)"
    output_field = IntegerField()


def due_on(prefix: str = "") -> Func:
    """The claim's due date: transmission date + its payer's usual delay."""
    return _DatePlusDays(
        F(f"{prefix}transmission_date"), _CalendarDays(F(f"{prefix}organism__usual_delay_days"))
    )


def overdue_from(prefix: str = "") -> Func:
    """Its due date + the margin: a claim still owed is overdue on any later day."""
    return _DatePlusDays(due_on(prefix), Value(unpaid_margin_days()))


def overdue_sql(*, claim: str = "c", organism: str = "o") -> str:
    """`overdue_from(…) < %(today)s` for raw SQL (the night): the same rule, `%(margin)s` bound
    to `unpaid_margin_days()`."""
    return f"{overdue_from_sql(claim=claim, organism=organism)} < %(today)s"


def overdue_from_sql(*, claim: str = "c", organism: str = "o") -> str:
    return (f"({claim}.transmission_date + ({organism}.usual_delay_days * 7 + 4) / 5"
            f" + %(margin)s)")


def outstanding(prefix: str = "") -> ExpressionWrapper:
    """What is still owed on the claim."""
    return ExpressionWrapper(
        F(f"{prefix}amount_claimed") - F(f"{prefix}amount_paid"), output_field=MONEY_FIELD
    )


def is_open(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": OPEN_STATUSES})


def past_due(day: dt.date, prefix: str = "") -> Q:
    """Its due date is past on `day` (the payer should have answered), owed or not."""
    return Q(LessThan(due_on(prefix), Value(day)))


def late(day: dt.date, prefix: str = "") -> Q:
    """More than the margin past its due date on `day`, owed or not."""
    return Q(LessThan(overdue_from(prefix), Value(day)))


def overdue(day: dt.date, prefix: str = "") -> Q:
    """Still owed more than the margin after its due date, whatever the payer answered."""
    return is_open(prefix) & late(day, prefix)


def _silent(prefix: str) -> Q:
    return Q(**{f"{prefix}status": ClaimStatus.TRANSMITTED})


def to_remind(day: dt.date, prefix: str = "") -> Q:
    """No answer at all and overdue: a reminder (relance) is what it needs.

    A claim the night flagged unpaid is one, whatever the margin is today.
    """
    return Q(**{f"{prefix}status": ClaimStatus.UNPAID}) | (_silent(prefix) & late(day, prefix))


def waiting(day: dt.date, prefix: str = "") -> Q:
    """No answer yet, but not overdue: nothing to do but wait."""
    return _silent(prefix) & ~late(day, prefix)


def to_claim_from_payer(day: dt.date, prefix: str = "") -> Q:
    """Owed by the payer with nothing for the pharmacy to do first: the claims `to_remind`
    and the remainders of `partial` payments (à réclamer à l'organisme). What a reminder
    letter asks a payer to pay; rejected and taken-back claims need the pharmacy first."""
    return to_remind(day, prefix) | Q(**{f"{prefix}status": ClaimStatus.PARTIAL})


# Rejected, paid in part, taken back, flagged unpaid: at risk whatever their age.
ALWAYS_AT_RISK_STATUSES = (
    ClaimStatus.PARTIAL, ClaimStatus.REJECTED, ClaimStatus.UNPAID, ClaimStatus.TAKEN_BACK,
)


def at_risk(day: dt.date, prefix: str = "") -> Q:
    """Owed, and the payer answered no, in part, took it back, or never answered in time:
    every open claim but those `waiting` (written as a union of statuses the index of the
    claims not paid finds, plus the silent ones past their delay)."""
    return Q(**{f"{prefix}status__in": ALWAYS_AT_RISK_STATUSES}) | (
        _silent(prefix) & late(day, prefix)
    )


def kind_expression(day: dt.date, prefix: str = "") -> Case:
    """The claim's kind key (KINDS) on `day`, as SQL; '' for a claim no longer owed.

    The same rules as `to_remind`, `waiting` and the statuses, written so that the one
    date comparison is compiled and computed once per claim: the figures group by it.
    """
    status = f"{prefix}status"
    return Case(
        When(Q(**{status: ClaimStatus.TRANSMITTED}), then=Case(
            When(late(day, prefix), then=Value("to_remind")), default=Value("waiting"),
        )),
        When(Q(**{status: ClaimStatus.UNPAID}), then=Value("to_remind")),
        *[When(Q(**{status: key}), then=Value(key))
          for key in (ClaimStatus.REJECTED, ClaimStatus.PARTIAL, ClaimStatus.TAKEN_BACK)],
        default=Value(""),
        output_field=CharField(),
    )
