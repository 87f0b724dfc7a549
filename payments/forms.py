"""The manual link form (which slips, and how much of each, a bank line pays) and the
pharmacy's bank sorting rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import QuerySet

from core.money import parse_amount
from payments.models import BankLine, PaymentSlip


def allocations_from(data, slips: QuerySet[PaymentSlip]) -> tuple[list[tuple[PaymentSlip, Decimal]], list[str]]:
    """Checked slips (`slip` values) with their amount (`amount_<id>`, default: what remains).

    `slips` is already limited to the pharmacy: an id from elsewhere is simply not found.
    """
    # Each slip once: a slip sent twice would be checked twice against the same remainder.
    ids = list(dict.fromkeys(int(i) for i in data.getlist("slip") if str(i).isdigit()))
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
        except ValueError as unreadable:
            errors.append(f"Bordereau {slip.reference} : {unreadable}.")
            continue
        if amount <= 0:
            errors.append(f"Montant invalide pour le bordereau {slip.reference}.")
            continue
        allocations.append((slip, amount))
    return allocations, errors


class BankRuleForm(forms.Form):
    """A pharmacy's sorting rule: the words a label contains, and the kind they mean."""

    pattern = forms.CharField(
        label="Le libellé contient", max_length=120,
        help_text="Des mots du libellé, par exemple « REMISE CB 1234567 » (majuscules, "
                  "accents et ponctuation ne comptent pas).",
    )
    kind = forms.ChoiceField(label="Nature", choices=BankLine.Kind.choices)

    def clean_pattern(self) -> str:
        pattern = " ".join(self.cleaned_data["pattern"].split())
        if sum(ch.isalnum() for ch in pattern) < 3:
            raise forms.ValidationError("Indiquez au moins trois lettres ou chiffres du libellé.")
        return pattern
