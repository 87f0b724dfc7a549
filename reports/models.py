"""The monthly report of a pharmacy: one row per (pharmacy, month), claimed before it is sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pharmacies.models import Pharmacy


def report_path(instance: MonthlyReport, filename: str) -> str:
    return f"reports/{instance.pharmacy_id}/{filename}"


class MonthlyReport(models.Model):
    """State machine: pending → rendering → sent (or failed, retried by the next run).

    The state moves only by compare-and-swap (`reports.services.report_claim`), as
    healthchecks' `sendreports` does: two workers, or a redelivered task, never send
    twice. A claim is a lease: a report left in `rendering` past `lease_until` (its
    worker died) is claimed again.
    """

    class State(models.TextChoices):
        PENDING = "pending", "À produire"
        RENDERING = "rendering", "En cours"
        SENT = "sent", "Envoyé"
        FAILED = "failed", "Échec"

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="monthly_reports")
    month = models.DateField("mois", help_text="Premier jour du mois")
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.PENDING)
    pdf = models.FileField("PDF", upload_to=report_path, blank=True)
    recipients = models.CharField("destinataires", max_length=500, blank=True)
    error = models.TextField("erreur", blank=True)
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    lease_until = models.DateTimeField("réservé jusqu'au", null=True, blank=True)
    generated_at = models.DateTimeField("produit le", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "rapport mensuel"
        verbose_name_plural = "rapports mensuels"
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "month"], name="unique_monthly_report")
        ]
        indexes = [models.Index(fields=["pharmacy", "state"])]

    def __str__(self) -> str:
        return f"Rapport {self.month:%m/%Y} — {self.pharmacy.name}"


class MonthlyClaimCount(models.Model):
    """A pharmacy's claims transmitted in a past month, and how many of them were
    rejected, as counted by the last night (`reports.statistics.monthly_counts_refresh`).

    The portfolio's 12-month rejection rate sums 12 of these rows per pharmacy
    instead of counting a year of claims at every request (docs/decisions.md,
    "## Scale"); the current month is still counted live.
    """

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.CASCADE, related_name="+", db_index=False  # unique (pharmacy, month)
    )
    month = models.DateField("mois", help_text="Premier jour du mois")
    claims = models.PositiveIntegerField("factures", default=0)
    rejected = models.PositiveIntegerField("factures rejetées", default=0)
    counted_at = models.DateTimeField("compté le", auto_now=True)

    class Meta:
        verbose_name = "décompte mensuel des factures"
        verbose_name_plural = "décomptes mensuels des factures"
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "month"], name="unique_monthly_claim_count")
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} — {self.claims} factures, {self.rejected} rejetées"


class DailyDigest(models.Model):
    """The daily e-mail digest of one person for one day: its run row.

    Unique per (user, day) and moved only by compare-and-swap, like the monthly report
    (`reports.services.report_claim`): the beat run twice, or a redelivered task, never
    sends a person two digests the same day. A claim is a lease: a digest left in
    `sending` past `lease_until` (its worker died) is claimed again.
    """

    class State(models.TextChoices):
        PENDING = "pending", "À envoyer"
        SENDING = "sending", "En cours"
        SENT = "sent", "Envoyé"
        FAILED = "failed", "Échec"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField("jour")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "résumé quotidien"
        verbose_name_plural = "résumés quotidiens"
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="unique_daily_digest")]

    def __str__(self) -> str:
        return f"Résumé du {self.day:%d/%m/%Y}"
