"""Forms of the Backoffice pages (labels in French)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from backoffice.models import ContactLog, LetterTemplate
from backoffice.reminders import PLACEHOLDERS
from backoffice.selectors import managers
from claims.models import Organism
from pharmacies.models import DelegationMode
from rejections.models import HandledBy, ReasonCategory


class DelegationForm(forms.Form):
    mode = forms.ChoiceField(label="Mode de délégation", choices=DelegationMode.choices)
    hours_per_month = forms.IntegerField(
        label="Heures par mois (délégation partielle)", min_value=1, max_value=500, required=False
    )
    start = forms.DateField(
        label="Début de la délégation", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    managers = forms.ModelMultipleChoiceField(
        label="Gestionnaires", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["managers"].queryset = managers()
        self.fields["managers"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        if data.get("mode") == DelegationMode.PARTIAL and not data.get("hours_per_month"):
            self.add_error("hours_per_month", "Une délégation partielle fixe un nombre d'heures par mois.")
        if data.get("mode") != DelegationMode.NONE and not data.get("start"):
            self.add_error("start", "Indiquez la date de début de la délégation.")
        return data


class DelegationRulesForm(forms.Form):
    """One choice per reason category: who works those rejections under partial delegation."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in ReasonCategory.choices:
            self.fields[value] = forms.ChoiceField(
                label=label, choices=HandledBy.choices, initial=current.get(value, HandledBy.PHARMACY)
            )


class TimeEntryForm(forms.Form):
    day = forms.DateField(label="Jour", widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label="Durée (minutes)", min_value=1, max_value=24 * 60)
    note = forms.CharField(label="Note", max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ContactLogForm(forms.ModelForm):
    class Meta:
        model = ContactLog
        fields = ["organism", "channel", "day", "notes"]
        widgets = {
            "day": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["organism"].queryset = Organism.objects.order_by("kind", "name", "code")


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["name", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
        help_texts = {
            "body": "Champs remplacés : " + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            + ". Un paragraphe par bloc séparé d'une ligne vide.",
        }


class ReminderForm(forms.Form):
    """The claims of one letter: ticked one by one, or all of one payer in one click."""

    claims = forms.ModelMultipleChoiceField(queryset=None, label="Factures", required=False)
    # "Toutes les factures de ce payeur": the payer's every remindable claim, shown or not.
    tout = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    template = forms.ModelChoiceField(
        queryset=LetterTemplate.objects.order_by("pk"), label="Modèle de lettre", empty_label=None
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claims"].queryset = candidates
        # Any payer id: the claims are taken within the pharmacy's remindable ones.
        self.fields["tout"].valid_value = lambda value: True

    def clean(self):
        data = super().clean()
        payers = set(data.get("tout") or [])
        if len(payers) > 1:
            raise forms.ValidationError(
                "Une lettre de relance s'adresse à un seul organisme : cochez un seul payeur."
            )
        if not payers and not data.get("claims"):
            raise forms.ValidationError("Sélectionnez au moins une facture, ou toutes celles d'un payeur.")
        return data


class ReassignForm(forms.Form):
    manager = forms.ModelChoiceField(queryset=managers(), label="Confier à")
