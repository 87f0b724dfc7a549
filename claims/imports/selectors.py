"""Reads for the import pages: a pharmacy's history and what a batch's report shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from claims.models import ImportBatch
from pharmacies.access import get_visible_or_404
from pharmacies.models import Pharmacy, User

# (count key, label, kind of value) in the order the report shows them.
# "Lignes lues": every data row read, good or bad; "Lignes refusées": the rows with a problem.
COMMON = [("rows", "Lignes lues", "int"), ("refused", "Lignes refusées", "int")]
LABELS = {
    ImportBatch.Kind.CLAIMS: COMMON + [
        ("created", "Factures créées", "int"),
        ("updated", "Factures modifiées", "int"),
        ("unchanged", "Factures inchangées (déjà importées)", "int"),
        ("organisms_created", "Organismes créés", "int"),
        ("amount", "Montant demandé", "money"),
        ("first_date", "Première transmission", "date"),
        ("last_date", "Dernière transmission", "date"),
    ],
    ImportBatch.Kind.RETURNS: COMMON + [
        ("created", "Retours créés", "int"),
        ("updated", "Retours modifiés", "int"),
        ("unchanged", "Retours inchangés (déjà importés)", "int"),
        ("waiting_for_claim", "Retours dont la facture n'est pas encore importée", "int"),
        ("rejections", "Rejets reçus (dans le fichier)", "int"),
        ("slips_created", "Bordereaux créés", "int"),
        ("slips_updated", "Bordereaux complétés", "int"),
        ("organisms_created", "Organismes créés", "int"),
        ("amount", "Montant payé", "money"),
        ("first_date", "Premier retour", "date"),
        ("last_date", "Dernier retour", "date"),
    ],
    ImportBatch.Kind.BANK: COMMON + [
        ("statements", "Relevés", "int"),
        ("created", "Opérations créées", "int"),
        ("unchanged", "Opérations déjà connues", "int"),
        ("accounts_created", "Comptes créés", "int"),
        ("credits", "Crédits", "money"),
        ("debits", "Débits", "money"),
    ],
}


FORMAT_LABELS = {
    "claims_csv": "CSV", "returns_csv": "CSV", "cfonb": "CFONB 120", "camt053": "CAMT.053",
    "ofx": "OFX", "bank_csv": "CSV",
}


def import_history(*, pharmacy: Pharmacy, limit: int = 100) -> list[ImportBatch]:
    batches = list(
        ImportBatch.objects.filter(pharmacy=pharmacy)
        .select_related("created_by", "api_token")
        .order_by("-created_at")[:limit]
    )
    for batch in batches:
        batch.format_label = import_format_label(batch=batch)
    return batches


def import_format_label(*, batch: ImportBatch) -> str:
    return FORMAT_LABELS.get(batch.file_format, batch.file_format)


def import_batch_get(*, user: User, pharmacy: Pharmacy, batch_id: int) -> ImportBatch:
    """The batch of this pharmacy, or 404 (also when the user may not see the pharmacy)."""
    return get_visible_or_404(
        ImportBatch.objects.filter(pharmacy=pharmacy).select_related("created_by", "api_token", "pharmacy"),
        user,
        pk=batch_id,
    )


def import_batch_summary(*, batch: ImportBatch) -> list[tuple[str, object, str]]:
    """(label, value, kind) rows of the preview or report, values typed for the template."""
    rows = []
    for key, label, kind in LABELS.get(batch.kind, COMMON):
        if key not in batch.counts or batch.counts[key] in ("", None):
            continue
        value = batch.counts[key]
        if kind == "money":
            value = Decimal(value)
        elif kind == "date":
            value = dt.date.fromisoformat(value)
        rows.append((label, value, kind))
    return rows


def imports_awaiting_confirmation(*, pharmacy: Pharmacy) -> list[ImportBatch]:
    """Files a machine deposited that wait for a person's confirmation (claims.imports.deposits),
    oldest first: the pharmacy's dashboard lists them until someone confirms or cancels."""
    return list(
        ImportBatch.objects.filter(
            pharmacy=pharmacy, status=ImportBatch.Status.PREVIEW, api_token__isnull=False
        ).select_related("api_token").order_by("created_at")
    )
