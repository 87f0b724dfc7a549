"""The Backoffice service: who handles which pharmacy, time spent, and job runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pharmacies.models import Pharmacy


class ManagerAssignment(models.Model):
    """A Backoffice manager handles this (delegated) pharmacy."""

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.PROTECT, related_name="manager_assignments"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

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


class JobRun(models.Model):
    """One run of a background job for one pharmacy and period.

    The unique (pharmacy, job, period) key plus a compare-and-swap on `state`
    make every job idempotent, so `acks_late` redelivery is safe.
    """

    class Job(models.TextChoices):
        NIGHTLY = "nightly", "Traitement de nuit"
        MONTHLY_REPORT = "monthly_report", "Rapport mensuel"

    class State(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="job_runs")
    job = models.CharField(max_length=20, choices=Job.choices)
    period = models.CharField("période", max_length=10, help_text="AAAA-MM-JJ ou AAAA-MM")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "exécution de tâche"
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "job", "period"], name="unique_job_run")
        ]
        indexes = [models.Index(fields=["pharmacy", "job", "-finished_at"])]
