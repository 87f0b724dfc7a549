"""The state of a worklist (filters, sort, page) as it travels in the URL.

`parse_rejection_state(request.GET)` / `parse_unpaid_state(request.GET)` validate
the query string with a Form and return a small frozen dataclass; an invalid
value is dropped, never an error page (a shared link may be old). No ORM here:
the selectors turn a state into SQL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal

from django import forms
from django.http import QueryDict
from django.utils.http import urlencode

from claims.ageing import AGE_BUCKETS
from claims.models import MONEY
from rejections.models import ReasonCategory, RejectionStatus

PAGE_SIZE = 50


# "open" = every rejection still to be worked by someone (the default view).
REJECTION_STATUS_CHOICES = [("", "Tous"), ("open", "Ouverts")] + list(RejectionStatus.choices)

# A sort is one order field or a tuple of them. "priorite" is the Backoffice
# queue's: the biggest amount first, then the oldest.
REJECTION_SORTS: dict[str, str | tuple[str, ...]] = {
    "priorite": ("-amount", "rejected_on"),
    "age": "rejected_on",
    "-age": "-rejected_on",
    "montant": "amount",
    "-montant": "-amount",
    "facture": "claim__invoice_number",
    "-facture": "-claim__invoice_number",
    "patient": "claim__patient_name",
    "-patient": "-claim__patient_name",
    "statut": "status",
    "-statut": "-status",
}

UNPAID_SORTS: dict[str, str | tuple[str, ...]] = {
    "priorite": ("-outstanding", "transmission_date"),
    "age": "-transmission_date",
    "-age": "transmission_date",
    "montant": "outstanding",
    "-montant": "-outstanding",
    "facture": "invoice_number",
    "-facture": "-invoice_number",
    "payeur": "organism__name",
    "-payeur": "-organism__name",
}


def _choices(keys) -> list[tuple[str, str]]:
    return [("", "Tous")] + [(k, k) for k in keys]


class WorklistForm(forms.Form):
    """The filters both worklists share."""

    payeur = forms.IntegerField(required=False, min_value=1)
    age = forms.ChoiceField(
        required=False, choices=[("", "Tous")] + [(k, v[0]) for k, v in AGE_BUCKETS.items()]
    )
    montant_min = forms.DecimalField(required=False, min_value=0, **MONEY)
    montant_max = forms.DecimalField(required=False, min_value=0, **MONEY)
    operateur = forms.CharField(required=False, max_length=30)
    q = forms.CharField(required=False, max_length=100)
    moi = forms.BooleanField(required=False)
    pharmacie = forms.IntegerField(required=False, min_value=1)
    page = forms.IntegerField(required=False, min_value=1)


class RejectionWorklistForm(WorklistForm):
    statut = forms.ChoiceField(required=False, choices=REJECTION_STATUS_CHOICES)
    categorie = forms.ChoiceField(required=False, choices=[("", "Toutes")] + list(ReasonCategory.choices))
    tri = forms.ChoiceField(required=False, choices=_choices(REJECTION_SORTS))


class UnpaidWorklistForm(WorklistForm):
    # "ouvertes" = every claim still waiting for money (the dashboard's age buckets).
    vue = forms.ChoiceField(
        required=False, choices=[("", "À relancer"), ("ouvertes", "Toutes les factures en attente"),
                                 ("repris", "Paiements repris (indu)")]
    )
    tri = forms.ChoiceField(required=False, choices=_choices(UNPAID_SORTS))


@dataclass(frozen=True)
class WorklistState:
    payeur: int | None = None
    age: str = ""
    montant_min: Decimal | None = None
    montant_max: Decimal | None = None
    operateur: str = ""
    q: str = ""
    moi: bool = False
    pharmacie: int | None = None
    page: int = 1
    tri: str = ""
    # Rejections only.
    statut: str = "open"
    categorie: str = ""
    # Unpaid only.
    vue: str = ""
    kind: str = field(default="rejections", compare=False)

    def params(self, **overrides) -> dict[str, str]:
        """The non-default values as URL parameters (defaults stay out of the URL)."""
        state = replace(self, **overrides)
        default = WorklistState(kind=self.kind)
        out: dict[str, str] = {}
        for name, value in asdict(state).items():
            if name == "kind" or value == getattr(default, name):
                continue
            if self.kind == "rejections" and name == "vue":
                continue
            if self.kind == "unpaid" and name in {"statut", "categorie"}:
                continue
            out[name] = "1" if value is True else str(value)
        return out

    def querystring(self, **overrides) -> str:
        params = self.params(**overrides)
        return "?" + urlencode(params) if params else ""

    def address(self) -> str:
        """The query string the address bar and the way back carry: without the patient
        search, so no patient's name lands in the browser's history or a shared link."""
        return self.querystring(q="")

    def sort_link(self, key: str) -> str:
        """Clicking a column sorts by it, a second click reverses; back to page 1."""
        return self.querystring(tri=f"-{key}" if self.tri == key else key, page=1)

    @property
    def is_filtered(self) -> bool:
        ignored = {"page", "tri"}
        return any(k not in ignored for k in self.params())


def _parse(form: forms.Form, kind: str) -> WorklistState:
    form.is_valid()
    # Keep what is valid, drop what is not: an old or hand-edited link still opens.
    data = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
    if kind == "rejections":
        # "statut=" (all) is a choice of its own; absent or invalid means the default.
        data["statut"] = form.cleaned_data.get("statut", "open") if "statut" in form.data else "open"
    if data.get("moi") is False:
        data.pop("moi")
    return WorklistState(kind=kind, **data)


def parse_rejection_state(query: QueryDict) -> WorklistState:
    return _parse(RejectionWorklistForm(query), "rejections")


def parse_unpaid_state(query: QueryDict) -> WorklistState:
    return _parse(UnpaidWorklistForm(query), "unpaid")
