"""The reason catalogue, the rejections to work, and what was done on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from audit.tracking import audit_tracked
from claims.models import MONEY, Claim, PayerKind, ReturnLine
from core import statuses
from pharmacies.models import Pharmacy


class ReasonCategory(models.TextChoices):
    AMO_RIGHTS = "amo_rights", "Droits AMO"
    AMC_RIGHTS = "amc_rights", "Droits AMC / contrat"
    PATIENT_IDENTIFICATION = "patient_identification", "Identification du patient"
    PRESCRIBER = "prescriber", "Prescripteur / prescription"
    PRICING = "pricing", "Tarification / codage"
    DUPLICATE = "duplicate", "Doublon"
    TECHNICAL = "technical", "Technique"
    SUPPORTING_DOCUMENTS = "supporting_documents", "Pièces justificatives"
    RECOVERY = "recovery", "Récupération (indu)"
    SILENT_UNPAID = "silent_unpaid", "Impayé sans retour"
    TO_CLASSIFY = "to_classify", "À classer"


class Fault(models.TextChoices):
    COUNTER = "counter", "Comptoir"
    LGO = "lgo", "Logiciel (LGO) / transmission"
    PHARMACY = "pharmacy", "Pharmacie"
    PAYER = "payer", "Organisme payeur"
    UNKNOWN = "unknown", "À déterminer"


class RejectionReason(models.Model):
    """A payer's reject code, with what it means and how to fix and prevent it."""

    code = models.CharField("code", max_length=20)
    payer_kind = models.CharField("payeur", max_length=3, choices=PayerKind.choices)
    label = models.CharField("libellé", max_length=255)
    category = models.CharField("catégorie", max_length=24, choices=ReasonCategory.choices)
    fault = models.CharField("erreur de", max_length=10, choices=Fault.choices)
    advice_fix = models.TextField("pour corriger", blank=True)
    advice_prevent = models.TextField("pour éviter", blank=True)
    avoidable_at_counter = models.BooleanField("évitable au comptoir", default=False)
    to_classify = models.BooleanField(
        "à classer", default=False, help_text="Code inconnu ajouté automatiquement par un retour."
    )

    class Meta:
        verbose_name = "motif de rejet"
        verbose_name_plural = "motifs de rejet"
        ordering = ["payer_kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["payer_kind", "code"], name="unique_reason_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"


class RejectionStatus(models.TextChoices):
    """Values from core.statuses (the one vocabulary), French labels here."""

    TO_HANDLE = statuses.REJECTION_TO_HANDLE, "À traiter"
    IN_PROGRESS = statuses.REJECTION_IN_PROGRESS, "En cours"
    REINVOICED = statuses.REJECTION_REINVOICED, "Corrigé et refacturé"
    CLAIMED = statuses.REJECTION_CLAIMED, "Réclamé à l'organisme"
    # Its re-invoice (or the claim itself) was paid in part: the remainder is still owed.
    PARTLY_RECOVERED = statuses.REJECTION_PARTLY_RECOVERED, "Partiellement recouvré"
    BILLED_TO_PATIENT = statuses.REJECTION_BILLED_TO_PATIENT, "Facturé au patient"
    WRITTEN_OFF = statuses.REJECTION_WRITTEN_OFF, "Passé en perte"
    CLOSED = statuses.REJECTION_CLOSED, "Clos"


OPEN_REJECTION_STATUSES = statuses.OPEN_REJECTION_STATUSES


class HandledBy(models.TextChoices):
    PHARMACY = "pharmacy", "Pharmacie"
    BACKOFFICE = "backoffice", "Backoffice"


# `claim_sent_on` is a copy of the claim's own date, kept for the counts: not an event.
@audit_tracked(exclude=["claim_sent_on"])
class Rejection(models.Model):
    """A rejected claim to be worked until the money arrives or the loss is confirmed."""

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="rejections")
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="rejections", db_index=False,
        verbose_name="facture",
    )
    return_line = models.ForeignKey(
        ReturnLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rejections",
        db_index=False,
        verbose_name="ligne de retour",
    )
    reason = models.ForeignKey(
        RejectionReason, on_delete=models.PROTECT, related_name="rejections", db_index=False,
        verbose_name="motif",
    )
    status = models.CharField(
        "statut", max_length=16, choices=RejectionStatus.choices, default=RejectionStatus.TO_HANDLE
    )
    amount = models.DecimalField("montant en jeu", **MONEY)
    rejected_on = models.DateField("rejeté le")
    # The claim's transmission date, copied when the rejection is opened and kept by
    # the claims import: the monthly rejection rates count rejected claims by the
    # month they were sent without a look-up of every claim (docs/decisions.md, "Reports and figures").
    claim_sent_on = models.DateField("facture transmise le")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_rejections",
        db_index=False,
        verbose_name="attribué à",
    )
    handled_by = models.CharField(
        "traité par", max_length=10, choices=HandledBy.choices, default=HandledBy.PHARMACY
    )
    handled_by_overridden = models.BooleanField("répartition choisie à la main", default=False)
    new_invoice_number = models.CharField("nouvelle facture", max_length=9, blank=True)
    write_off_reason = models.TextField("motif de la perte", blank=True)
    # Every euro paid on its re-invoice (or on the claim itself) since the rejection.
    recovered_amount = models.DecimalField("montant récupéré", default=0, **MONEY)
    closed_on = models.DateField("clos le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "rejet"
        constraints = [
            # One rejection per rejecting return line: the nightly run may replay it.
            models.UniqueConstraint(
                fields=["pharmacy", "return_line"], name="unique_rejection_per_return_line"
            )
        ]
        indexes = [
            models.Index(fields=["pharmacy", "status", "rejected_on"]),
            models.Index(fields=["pharmacy", "reason"]),
            models.Index(fields=["pharmacy", "assignee", "status"]),
            models.Index(fields=["pharmacy", "claim"]),
            models.Index(
                fields=["pharmacy", "claim_sent_on"], include=["claim"],
                name="rejection_by_claim_sent_on",
            ),
        ]

    def __str__(self) -> str:
        return f"Rejet {self.reason.code} facture {self.claim.invoice_number}"

    @property
    def remainder(self):
        """What is still to recover on it: the amount at stake less every euro recovered."""
        return max(self.amount - self.recovered_amount, 0)


class RejectionEvent(models.Model):
    """The history of a rejection: every action, comment and status change."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Ouverture"
        STATUS = "status", "Changement de statut"
        ASSIGN = "assign", "Attribution"
        COMMENT = "comment", "Commentaire"
        ATTACHMENT = "attachment", "Pièce jointe"
        HANDLER = "handler", "Répartition pharmacie / Backoffice"

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="+")
    rejection = models.ForeignKey(
        Rejection, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["pharmacy", "rejection", "created_at"])]


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.pharmacy_id}/{instance.rejection_id}/{filename}"


class Attachment(models.Model):
    """A scanned document (attestation, prescription) joined to a rejection."""

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="+")
    rejection = models.ForeignKey(
        Rejection, on_delete=models.CASCADE, related_name="attachments", db_index=False
    )
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["pharmacy", "rejection"])]


class UnpaidFollowUp(models.Model):
    """A reminder (relance) asked for a silent unpaid claim.

    Staff ask for it from the unpaid worklist; the Backoffice generates the
    letter and marks it sent. One open request per claim: asking twice is a no-op.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Relance demandée"
        SENT = "sent", "Relance envoyée"
        CANCELLED = "cancelled", "Relance annulée"

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="follow_ups", db_index=False
    )
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )
    requested_at = models.DateTimeField("demandée le", auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )
    sent_on = models.DateField("envoyée le", null=True, blank=True)
    note = models.CharField("note", max_length=255, blank=True)

    class Meta:
        verbose_name = "relance d'impayé"
        verbose_name_plural = "relances d'impayés"
        constraints = [
            models.UniqueConstraint(
                fields=["pharmacy", "claim"],
                condition=models.Q(status="requested"),
                name="one_open_follow_up_per_claim",
            )
        ]
        indexes = [
            models.Index(fields=["pharmacy", "status", "requested_at"]),
            models.Index(fields=["pharmacy", "claim"]),
        ]
