"""The upload form of the import page."""

from __future__ import annotations

from django import forms

from claims.imports.services import ImportRefused, import_size_check


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier",
        help_text="Export des factures ou des retours (CSV), relevé bancaire (CFONB 120, CAMT.053, OFX, CSV).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The size the client announced, before a byte of the file is read.
        try:
            import_size_check(size=upload.size)
        except ImportRefused as refused:
            raise forms.ValidationError(refused.message) from None
        return upload
