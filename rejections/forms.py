"""Forms of the rejection pages: they validate input, the services decide."""

from __future__ import annotations

from django import forms

from rejections.models import HandledBy, RejectionStatus
from rejections.services import ATTACHMENT_MAX_BYTES, Outcome


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=RejectionStatus.choices)
    new_invoice_number = forms.CharField(label="Nouveau n° de facture", required=False, max_length=9)
    write_off_reason = forms.CharField(label="Motif de la perte", required=False, max_length=1000)


class ResolveForm(forms.Form):
    """One action that takes a rejection and brings it to a common end (see `rejection_resolve`)."""

    outcome = forms.ChoiceField(choices=Outcome.choices)
    new_invoice_number = forms.CharField(label="Nouveau n° de facture", required=False, max_length=9)
    write_off_reason = forms.CharField(label="Motif de la perte", required=False, max_length=1000)


class CommentForm(forms.Form):
    text = forms.CharField(label="Commentaire", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Pièce jointe (PDF, PNG ou JPEG, 5 Mo au plus)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError("Le fichier dépasse 5 Mo.")
        return upload


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="Attribuer à", queryset=None, required=False, empty_label="Personne")

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees


class HandlerForm(forms.Form):
    handled_by = forms.ChoiceField(label="Traité par", choices=HandledBy.choices)


class RejectionBulkForm(forms.Form):
    ACTIONS = [
        ("assign", "Attribuer"),
        ("status", "Changer le statut"),
        ("export", "Exporter vers Excel"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Personne")
    to_status = forms.ChoiceField(
        required=False,
        choices=[("", "—")] + [c for c in RejectionStatus.choices if c[0] != RejectionStatus.REINVOICED],
    )
    write_off_reason = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees

    def clean_ids(self):
        # Which ids the user may touch is the view's scoping, not a choice list.
        return self.cleaned_data["ids"]

    def full_clean(self):
        # Accept any integer ids; they are filtered through the visible pharmacies later.
        self.fields["ids"].valid_value = lambda value: True
        super().full_clean()


class UnpaidBulkForm(forms.Form):
    ACTIONS = [("remind", "Demander une relance"), ("export", "Exporter vers Excel")]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    note = forms.CharField(required=False, max_length=255)

    def full_clean(self):
        self.fields["ids"].valid_value = lambda value: True
        super().full_clean()
