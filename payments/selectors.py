"""Reads for the reconciliation pages, always within one visible pharmacy."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from audit.history import HistoryEntry, Subject, object_history
from audit.tracking import event_model_for
from claims.models import MONEY_FIELD
from payments.models import (
    BankLine,
    BankRule,
    ManualDecision,
    MatchProposal,
    PaymentSlip,
    Reconciliation,
)
from pharmacies.models import Pharmacy


def proposals_open(*, pharmacy: Pharmacy) -> list[dict]:
    """Open proposals grouped by bank line, best evidence first, with their slips."""
    proposals = list(
        MatchProposal.objects.filter(pharmacy=pharmacy, status=MatchProposal.Status.OPEN)
        .select_related("bank_line")
        .order_by("bank_line__booking_date", "bank_line_id", "-reference_found",
                  "-payer_named", "date_gap_days")
    )
    slip_ids = {i for p in proposals for i in p.slip_ids}
    slips = PaymentSlip.objects.filter(pharmacy=pharmacy, pk__in=slip_ids).select_related(
        "organism").in_bulk()
    groups: dict[int, dict] = {}
    for proposal in proposals:
        proposal.slips = [slips[i] for i in proposal.slip_ids if i in slips]
        group = groups.setdefault(proposal.bank_line_id,
                                  {"bank_line": proposal.bank_line, "proposals": []})
        group["proposals"].append(proposal)
    return list(groups.values())


# The one definition of a "virement non rapproché", on every page and export: an
# insurer's transfer (payments/classification.py) not, or not fully, linked to slips.
# The same condition as the partial index `bank_line_insurer_open`, which answers it.
UNMATCHED_INSURER_TRANSFERS = Q(
    kind=BankLine.Kind.INSURER, amount__gt=0,
    status__in=[BankLine.Status.UNMATCHED, BankLine.Status.PARTIAL],
)
REMAINING = ExpressionWrapper(F("amount") - F("matched_amount"), output_field=MONEY_FIELD)


def unmatched_insurer_transfers(*, pharmacy: Pharmacy) -> QuerySet[BankLine]:
    return (BankLine.objects.filter(UNMATCHED_INSURER_TRANSFERS, pharmacy=pharmacy)
            .annotate(remaining=REMAINING)
            .order_by("booking_date", "id"))


def unmatched_insurer_transfers_total(*, pharmacy: Pharmacy) -> dict:
    """{"count", "amount"}: how many, and what is left to reconcile on them (one aggregate)."""
    return BankLine.objects.filter(UNMATCHED_INSURER_TRANSFERS, pharmacy=pharmacy).aggregate(
        count=Count("pk"),
        amount=Coalesce(Sum(REMAINING), Value(Decimal(0)), output_field=MONEY_FIELD),
    )


HORS_TIERS_PAYANT_LIMIT = 200


def bank_lines_outside_tiers_payant(*, pharmacy: Pharmacy, kind: str | None = None
                                    ) -> QuerySet[BankLine]:
    """The lines that are not insurers' transfers ("Hors tiers-payant"), newest first."""
    lines = BankLine.objects.filter(pharmacy=pharmacy).exclude(kind=BankLine.Kind.INSURER)
    if kind:
        lines = lines.filter(kind=kind)
    return lines.order_by("-booking_date", "-id")


def bank_line_kind_counts(*, pharmacy: Pharmacy) -> dict[str, int]:
    """Lines by kind, one GROUP BY: the filters of the "Hors tiers-payant" list."""
    return dict(BankLine.objects.filter(pharmacy=pharmacy).values_list("kind")
                .annotate(n=Count("pk")).order_by().values_list("kind", "n"))


def bank_rules(*, pharmacy: Pharmacy) -> QuerySet[BankRule]:
    return BankRule.objects.filter(pharmacy=pharmacy).select_related("created_by").order_by(
        "pattern")


def slips_unpaid(*, pharmacy: Pharmacy) -> QuerySet[PaymentSlip]:
    return (PaymentSlip.objects.filter(pharmacy=pharmacy)
            .exclude(status=PaymentSlip.Status.MATCHED)
            .select_related("organism")
            .annotate(remaining=F("total") - F("matched_amount"))
            .order_by("payment_date", "id"))


def unmatched_totals(*, pharmacy: Pharmacy) -> dict:
    lines = unmatched_insurer_transfers_total(pharmacy=pharmacy)
    slips = slips_unpaid(pharmacy=pharmacy).aggregate(total=Sum("remaining"))
    return {"bank_lines": lines["amount"], "bank_line_count": lines["count"],
            "slips": slips["total"] or 0}


def reconciliations_of(*, pharmacy: Pharmacy, bank_line: BankLine) -> QuerySet[Reconciliation]:
    return (Reconciliation.objects.filter(pharmacy=pharmacy, bank_line=bank_line)
            .select_related("slip", "slip__organism").order_by("id"))


def bank_line_history(*, pharmacy: Pharmacy, bank_line: BankLine) -> list[HistoryEntry]:
    """The line's kind, its links (unlinked ones too), the person's decisions, and the slips concerned."""
    slip_ids = set(
        event_model_for(Reconciliation)._default_manager.filter(pharmacy_id=pharmacy.pk, bank_line_id=bank_line.pk)
        .values_list("slip_id", flat=True)
    )
    return object_history(pharmacy=pharmacy, subjects=[
        Subject(BankLine, {"pgh_obj_id": bank_line.pk}),  # its kind: who moved it, and when
        Subject(Reconciliation, {"bank_line_id": bank_line.pk}),
        Subject(ManualDecision, {"bank_line_id": bank_line.pk}),
        Subject(PaymentSlip, {"pgh_obj_id__in": slip_ids}),
    ])
