"""Forms of the pharmacy pages (staff accounts and operator codes)."""

from __future__ import annotations

from django import forms

from pharmacies.models import Pharmacy, StaffMember, StaffRole, User


class StaffMemberForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=80)
    last_name = forms.CharField(label="Nom", max_length=80)
    role = forms.ChoiceField(label="Rôle", choices=StaffRole.choices)
    operator_code = forms.CharField(label="Code opérateur (LGO)", max_length=30)
    active = forms.BooleanField(label="Actif", required=False, initial=True)
    username = forms.CharField(
        label="Identifiant de connexion (facultatif)", max_length=150, required=False,
        help_text="Laisser vide pour un membre du personnel sans accès.",
    )
    email = forms.EmailField(label="E-mail (pour choisir son mot de passe)", required=False)

    def __init__(self, *args, pharmacy: Pharmacy, instance: StaffMember | None = None, **kwargs):
        self.pharmacy = pharmacy
        self.instance = instance
        super().__init__(*args, **kwargs)
        if instance is not None and instance.user_id:
            # An existing login keeps its name: people know it.
            self.fields["username"].disabled = True

    def clean_operator_code(self):
        code = self.cleaned_data["operator_code"].strip()
        taken = StaffMember.objects.filter(pharmacy=self.pharmacy, operator_code=code)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Ce code opérateur est déjà utilisé dans la pharmacie.")
        return code

    def clean_username(self):
        username = self.cleaned_data.get("username", "").strip()
        if self.fields["username"].disabled and self.instance and self.instance.user:
            return self.instance.user.username
        if username and User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("Cet identifiant existe déjà.")
        return username

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("username") and not data.get("email") and not self.fields["username"].disabled:
            self.add_error("email", "Un e-mail est nécessaire pour créer un accès.")
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Nom du jeton", max_length=100,
        help_text="Pour le reconnaître : l'ordinateur ou le logiciel qui déposera les fichiers "
                  "(ex. « Poste comptoir 1 — export LGO »).",
    )
