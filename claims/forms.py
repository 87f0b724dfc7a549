"""The upload form of the import page, and the deposit form of the machines' API (claims.api)."""

from __future__ import annotations

from django import forms

from claims.imports.services import ImportRefused, import_size_check


def _size_checked(upload):
    # The size the client announced, before a byte of the file is read.
    try:
        import_size_check(size=upload.size)
    except ImportRefused as refused:
        raise forms.ValidationError(refused.message) from None
    return upload


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier",
        help_text="Export des factures ou des retours (CSV), relevé bancaire (CFONB 120, CAMT.053, OFX, CSV).",
    )

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"])


class DepositForm(forms.Form):
    """`POST /api/pharmacies/<id>/depots/`: the file in the multipart field `fichier`."""

    fichier = forms.FileField()

    def clean_fichier(self):
        return _size_checked(self.cleaned_data["fichier"])
