"""The Backoffice service: who handles which pharmacy, time spent, and job runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from audit.tracking import audit_tracked
from claims.models import MONEY
from pharmacies.models import Pharmacy
from rejections.models import HandledBy, ReasonCategory


@audit_tracked(identity="manager")
class ManagerAssignment(models.Model):
    """A Backoffice manager handles this (delegated) pharmacy."""

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.PROTECT, related_name="manager_assignments", verbose_name="pharmacie"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments", db_index=False,
        verbose_name="gestionnaire",
    )
    assigned_at = models.DateTimeField("affecté le", auto_now_add=True)

    class Meta:
        verbose_name = "affectation"
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "manager"], name="unique_assignment")
        ]
        indexes = [models.Index(fields=["manager", "pharmacy"])]


class TimeEntry(models.Model):
    """Time a manager spent on a pharmacy (counted against a partial delegation's hours)."""

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="time_entries")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    day = models.DateField("jour")
    minutes = models.PositiveIntegerField("minutes", default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("note", max_length=255, blank=True)

    class Meta:
        verbose_name = "temps passé"
        indexes = [models.Index(fields=["pharmacy", "day"])]


@audit_tracked(identity="category")
class DelegationRule(models.Model):
    """Partial delegation: who works the rejections of one reason category by default.

    Applied by `delegation_rules_apply`; a rejection whose handler was chosen by
    hand (`handled_by_overridden`) keeps it.
    """

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="delegation_rules")
    category = models.CharField("catégorie de motif", max_length=24, choices=ReasonCategory.choices)
    handled_by = models.CharField("traité par", max_length=10, choices=HandledBy.choices)

    class Meta:
        verbose_name = "règle de répartition"
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "category"], name="unique_delegation_rule")
        ]


class LetterTemplate(models.Model):
    """An editable reminder letter; placeholders {organisme}, {pharmacie}, {date}, {nombre}, {total}."""

    name = models.CharField("nom", max_length=120, unique=True)
    subject = models.CharField("objet", max_length=200)
    body = models.TextField("texte")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )

    class Meta:
        verbose_name = "modèle de lettre"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def reminder_path(instance: Reminder, filename: str) -> str:
    return f"reminders/{instance.pharmacy_id}/{filename}"


class Reminder(models.Model):
    """A reminder letter (relance) sent to one payer about some claims of one pharmacy."""

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="reminders")
    organism = models.ForeignKey(
        "claims.Organism", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    template = models.ForeignKey(
        LetterTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    sent_on = models.DateField("envoyée le")
    next_on = models.DateField("prochaine relance le")
    total = models.DecimalField("montant relancé", **MONEY)
    pdf = models.FileField(upload_to=reminder_path, blank=True)
    claims = models.ManyToManyField("claims.Claim", through="ReminderClaim", related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "relance"
        indexes = [
            models.Index(fields=["pharmacy", "organism", "-sent_on"]),
            models.Index(fields=["pharmacy", "next_on"]),
        ]


class ReminderClaim(models.Model):
    """A claim listed in a reminder letter: how a claim is known as "reminded"."""

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="+")
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="lines", db_index=False)
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="reminder_lines", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "reminder", "claim"], name="unique_reminder_claim")
        ]
        indexes = [models.Index(fields=["pharmacy", "claim"])]


class ContactLog(models.Model):
    """A contact with a payer about one pharmacy: call, e-mail or letter, with notes."""

    class Channel(models.TextChoices):
        PHONE = "phone", "Appel téléphonique"
        EMAIL = "email", "E-mail"
        LETTER = "letter", "Courrier"

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="contact_logs")
    organism = models.ForeignKey(
        "claims.Organism", on_delete=models.PROTECT, related_name="+", db_index=False,
        verbose_name="organisme",
    )
    channel = models.CharField("canal", max_length=6, choices=Channel.choices)
    day = models.DateField("date")
    notes = models.TextField("notes", blank=True)
    reminder = models.ForeignKey(
        Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "contact organisme"
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["pharmacy", "organism", "-day"])]
