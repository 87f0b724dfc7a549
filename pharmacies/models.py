"""The tenant (pharmacy), the people, and who may see what."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac

from audit.tracking import audit_tracked
from pharmacies.identifiers import finess_shape_is_valid


def validate_finess(value: str) -> None:
    if not finess_shape_is_valid(value):
        raise ValidationError(
            "Le numéro FINESS doit compter 9 caractères : le département (2 chiffres, 2A ou 2B) puis 7 chiffres."
        )


class DelegationMode(models.TextChoices):
    NONE = "none", "Aucune délégation"
    PARTIAL = "partial", "Délégation partielle"
    TOTAL = "total", "Délégation totale"


class PharmacyQuerySet(models.QuerySet):
    def delegated(self) -> PharmacyQuerySet:
        return self.exclude(delegation_mode=DelegationMode.NONE)


# The delegation decides who may see the pharmacy's data: its changes are audited.
@audit_tracked(inserts=False, fields=["delegation_mode", "delegation_hours_per_month", "delegation_start"])
class Pharmacy(models.Model):
    finess = models.CharField("FINESS", max_length=9, unique=True, validators=[validate_finess])
    name = models.CharField("nom", max_length=200)
    city = models.CharField("ville", max_length=120, blank=True)
    delegation_mode = models.CharField(
        "délégation", max_length=10, choices=DelegationMode.choices, default=DelegationMode.NONE
    )
    delegation_hours_per_month = models.PositiveSmallIntegerField(
        "heures par mois (délégation partielle)", null=True, blank=True
    )
    delegation_start = models.DateField("début de la délégation", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PharmacyQuerySet.as_manager()

    class Meta:
        verbose_name = "pharmacie"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(delegation_mode="partial")
                | models.Q(delegation_hours_per_month__gt=0),
                name="partial_delegation_has_hours",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.finess})"

    @property
    def departement(self) -> str:
        return self.finess[:2]


class User(AbstractUser):
    """A person who logs in. `kind` decides which pharmacies the access rule opens."""

    class Kind(models.TextChoices):
        PHARMACY = "pharmacy", "Personnel de pharmacie"
        MANAGER = "manager", "Gestionnaire Backoffice"
        SUPERVISOR = "supervisor", "Superviseur Backoffice"

    kind = models.CharField("profil", max_length=12, choices=Kind.choices, default=Kind.PHARMACY)
    # Part of the session hash: changing it ends every other session of the user.
    session_salt = models.CharField(max_length=32, blank=True, default="")
    # The daily e-mail digest (reports.digest): None = the default of the person's role,
    # on for titulaires, managers and supervisors, off for the other staff (`wants_daily_digest`).
    daily_digest = models.BooleanField("résumé quotidien par e-mail", null=True, blank=True, default=None)
    # Set on each request's user by django-otp's OTPMiddleware (declared for the type checker).
    is_verified: Callable[[], bool]

    class Meta:
        verbose_name = "utilisateur"

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "pharmacies.User.get_session_auth_hash",
            self.password + self.session_salt,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_backoffice(self) -> bool:
        return self.kind in {self.Kind.MANAGER, self.Kind.SUPERVISOR}

    @property
    def wants_daily_digest(self) -> bool:
        """The person's choice, else their role's default (`pharmacies.selectors.digest_recipients`, the same rule in SQL)."""
        if self.daily_digest is not None:
            return self.daily_digest
        return self.is_backoffice or StaffMember.objects.filter(
            user=self, active=True, role=StaffRole.TITULAIRE
        ).exists()

    # The supervisor is not a superuser: in the admin they keep the reference data
    # (payers, rejection reasons), read the logs and unlock logins, and nothing else —
    # no user's password or kind, no second-factor secret (issue 18, item 4).
    def has_perm(self, perm: str, obj=None) -> bool:
        if self.is_active and self.kind == self.Kind.SUPERVISOR and perm in SUPERVISOR_ADMIN_PERMISSIONS:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.kind == self.Kind.SUPERVISOR and any(
            perm.startswith(f"{app_label}.") for perm in SUPERVISOR_ADMIN_PERMISSIONS
        ):
            return True
        return super().has_module_perms(app_label)


SUPERVISOR_ADMIN_PERMISSIONS = frozenset({
    "claims.view_organism", "claims.add_organism", "claims.change_organism",
    "rejections.view_rejectionreason", "rejections.change_rejectionreason",
    "claims.view_importbatch", "claims.view_patientdataaccess",
    "pharmacies.view_jobrun", "backoffice.view_managerassignment",
    "pharmacies.view_pharmacy", "pharmacies.view_user",
    "axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accesslog",
})


class StaffRole(models.TextChoices):
    TITULAIRE = "titulaire", "Titulaire"
    ADJOINT = "adjoint", "Pharmacien adjoint"
    PREPARATEUR = "preparateur", "Préparateur"


# Who may sign in for the pharmacy, with which role: its changes are audited.
@audit_tracked(fields=["pharmacy", "user", "first_name", "last_name", "role", "operator_code", "active"])
class StaffMember(models.Model):
    """Someone who works at the counter; `operator_code` is what the LGO writes on claims.

    A staff member may have no login (the claims still name them).
    """

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="staff")
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="staff_member"
    )
    first_name = models.CharField("prénom", max_length=80)
    last_name = models.CharField("nom", max_length=80)
    role = models.CharField("rôle", max_length=12, choices=StaffRole.choices)
    operator_code = models.CharField("code opérateur", max_length=30)
    active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "membre du personnel"
        verbose_name_plural = "personnel"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pharmacy", "operator_code"], name="unique_operator_code_per_pharmacy"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.operator_code})"


class JobRun(models.Model):
    """One run of a background job for one pharmacy and period.

    The unique (pharmacy, job, period) key plus a compare-and-swap on `state`
    make every job idempotent, so `acks_late` redelivery is safe. Kept with the
    tenant, below every app: the night (tiers_payant) writes it through
    `pharmacies.services`, the pages of any app may show the last run.
    """

    class Job(models.TextChoices):
        NIGHTLY = "nightly", "Traitement de nuit"
        MONTHLY_REPORT = "monthly_report", "Rapport mensuel"

    class State(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.PROTECT, related_name="job_runs", verbose_name="pharmacie"
    )
    job = models.CharField("tâche", max_length=20, choices=Job.choices)
    period = models.CharField("période", max_length=10, help_text="AAAA-MM-JJ ou AAAA-MM")
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    started_at = models.DateTimeField("commencée le", null=True, blank=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    stats = models.JSONField("chiffres", default=dict, blank=True)
    error = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "exécution de tâche"
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "job", "period"], name="unique_job_run")
        ]
        indexes = [models.Index(fields=["pharmacy", "job", "-finished_at"])]


# Who may deposit files for the pharmacy without a person: its creation, revocation and
# every use are audited (each use updates `last_used_at`, with the deposit in the context).
@audit_tracked(fields=["pharmacy", "name", "prefix", "created_by", "revoked_at", "revoked_by", "last_used_at"],
               identity="name")
class ApiToken(models.Model):
    """A secret a pharmacy's machine sends (`Authorization: Bearer …`) to deposit files.

    Here, in `pharmacies`, and not in `claims`, because a token is part of the access rule:
    it decides which one pharmacy a request may write into, and it is read before any
    row-level scope exists (the request has no user), like `StaffMember`; so its table and
    its trail stay outside row-level security (`ACCESS_RULE_TABLES`) and hold no health data.

    Only a SHA-256 of the token is kept: the token is 256 random bits
    (`secrets.token_urlsafe(32)`), so no dictionary can guess it and a slow hash would add
    nothing but cost to every deposit; a fast hash lets the deposit find it by an index. The
    first characters (`prefix`) are kept in clear so a person can tell which token a machine
    holds. Its only use is depositing import files for `pharmacy`.
    """

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField("nom", max_length=100)
    prefix = models.CharField("début du jeton", max_length=16)
    token_hash = models.CharField("empreinte SHA-256", max_length=64)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)

    class Meta:
        verbose_name = "jeton de dépôt"
        verbose_name_plural = "jetons de dépôt"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["pharmacy", "-created_at"])]
        constraints = [
            # Global, not per pharmacy: a deposit finds its token by the hash alone, then
            # learns whose it is (tests/foundation/test_schema.py allows it).
            models.UniqueConstraint(fields=["token_hash"], name="unique_api_token_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def history_label(self) -> str:
        return f"« {self.name} »"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
