"""The manual link form: which slips, and how much of each, a bank line pays."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from core.money import parse_amount
from payments.models import PaymentSlip


def allocations_from(data, slips: QuerySet[PaymentSlip]) -> tuple[list[tuple[PaymentSlip, Decimal]], list[str]]:
    """Checked slips (`slip` values) with their amount (`amount_<id>`, default: what remains).

    `slips` is already limited to the pharmacy: an id from elsewhere is simply not found.
    """
    ids = [int(i) for i in data.getlist("slip") if str(i).isdigit()]
    found = {s.pk: s for s in slips.filter(pk__in=ids)}
    allocations, errors = [], []
    for slip_id in ids:
        slip = found.get(slip_id)
        if slip is None:
            errors.append("Bordereau introuvable.")
            continue
        raw = data.get(f"amount_{slip_id}", "")
        try:
            amount = parse_amount(raw) if raw.strip() else slip.total - slip.matched_amount
        except ValueError:
            amount = None
        if amount is None or amount <= 0:
            errors.append(f"Montant invalide pour le bordereau {slip.reference}.")
            continue
        allocations.append((slip, amount))
    return allocations, errors
