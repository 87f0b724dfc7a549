"""Reads for the reconciliation pages, always within one visible pharmacy."""

from __future__ import annotations

from django.db.models import F, QuerySet, Sum

from payments.models import BankLine, MatchProposal, PaymentSlip, Reconciliation
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


def bank_lines_unmatched(*, pharmacy: Pharmacy) -> QuerySet[BankLine]:
    return (BankLine.objects.filter(pharmacy=pharmacy, amount__gt=0)
            .exclude(status__in=[BankLine.Status.MATCHED, BankLine.Status.IGNORED])
            .annotate(remaining=F("amount") - F("matched_amount"))
            .order_by("booking_date", "id"))


def slips_unpaid(*, pharmacy: Pharmacy) -> QuerySet[PaymentSlip]:
    return (PaymentSlip.objects.filter(pharmacy=pharmacy)
            .exclude(status=PaymentSlip.Status.MATCHED)
            .select_related("organism")
            .annotate(remaining=F("total") - F("matched_amount"))
            .order_by("payment_date", "id"))


def unmatched_totals(*, pharmacy: Pharmacy) -> dict:
    lines = bank_lines_unmatched(pharmacy=pharmacy).aggregate(total=Sum("remaining"))
    slips = slips_unpaid(pharmacy=pharmacy).aggregate(total=Sum("remaining"))
    return {"bank_lines": lines["total"] or 0, "slips": slips["total"] or 0}


def reconciliations_of(*, pharmacy: Pharmacy, bank_line: BankLine) -> QuerySet[Reconciliation]:
    return (Reconciliation.objects.filter(pharmacy=pharmacy, bank_line=bank_line)
            .select_related("slip", "slip__organism").order_by("id"))
