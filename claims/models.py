"""Payers (organisms), claims, payer returns and the import batches they came in."""

from __future__ import annotations

from typing import TypedDict

from django.conf import settings
from django.db import models

from audit.tracking import audit_tracked
from core import statuses
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from pharmacies.models import Pharmacy


# Every amount column (numeric(12, 2), core.money's precision) and the output field of
# the money expressions (sums, differences) of every query: the one declaration.
class MoneyOptions(TypedDict):
    """DecimalField's keywords for money (a TypedDict, so that `**MONEY` type-checks)."""

    max_digits: int
    decimal_places: int


MONEY: MoneyOptions = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": MONEY_DECIMAL_PLACES}
MONEY_FIELD = models.DecimalField(**MONEY)


class PayerKind(models.TextChoices):
    AMO = "AMO", "AMO (obligatoire)"
    AMC = "AMC", "AMC (complémentaire)"


class Organism(models.Model):
    """A payer. Shared reference data: not owned by a pharmacy."""

    kind = models.CharField("type", max_length=3, choices=PayerKind.choices)
    code = models.CharField("code", max_length=10, help_text="AMO : 9 chiffres ; AMC : 10 caractères")
    name = models.CharField("nom", max_length=200, blank=True)
    operator = models.CharField("opérateur", max_length=60, blank=True)
    usual_delay_days = models.PositiveSmallIntegerField("délai habituel (jours)", default=4)

    class Meta:
        verbose_name = "organisme"
        ordering = ["kind", "name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="unique_organism_code_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.name or self.code} ({self.kind} {self.code})"


class ImportBatch(models.Model):
    """One uploaded file: its fingerprint, what it held, and what became of it."""

    class Kind(models.TextChoices):
        CLAIMS = "claims", "Factures"
        RETURNS = "returns", "Retours"
        BANK = "bank", "Relevé bancaire"

    class Status(models.TextChoices):
        PENDING = "pending", "En analyse"
        PREVIEW = "preview", "En attente de confirmation"
        COMMITTED = "committed", "Importé"
        FAILED = "failed", "Refusé"
        CANCELLED = "cancelled", "Annulé"

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.PROTECT, related_name="imports", verbose_name="pharmacie"
    )
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    file_format = models.CharField("format", max_length=20, blank=True)
    file_name = models.CharField("fichier", max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    size_bytes = models.BigIntegerField("taille (octets)", default=0)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    counts = models.JSONField("comptes", default=dict, blank=True)
    errors = models.JSONField("erreurs", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    # A file a machine deposited (`POST /api/…/depots/`): the token it used; no `created_by`.
    api_token = models.ForeignKey(
        "pharmacies.ApiToken", on_delete=models.PROTECT, null=True, blank=True, related_name="imports",
        db_index=False, verbose_name="jeton de dépôt",
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    committed_at = models.DateTimeField("enregistré le", null=True, blank=True)
    # A returns import: when the nightly job applied its lines to their claims.
    applied_at = models.DateTimeField("appliqué par la nuit le", null=True, blank=True)

    class Meta:
        verbose_name = "import"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["pharmacy", "-created_at"])]
        constraints = [
            # A file counts as imported once; a refused or cancelled one may come again.
            models.UniqueConstraint(
                fields=["pharmacy", "sha256"],
                condition=models.Q(status="committed"),
                name="unique_committed_file_per_pharmacy",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    def history_label(self) -> str:
        """How a history page names this import (`audit.history`)."""
        return f"« {self.file_name} »"


class ClaimStatus(models.TextChoices):
    """Values from core.statuses (the one vocabulary), French labels here."""

    TRANSMITTED = statuses.CLAIM_TRANSMITTED, "Transmise"
    PAID = statuses.CLAIM_PAID, "Payée"
    PARTIAL = statuses.CLAIM_PARTIAL, "Payée partiellement"
    REJECTED = statuses.CLAIM_REJECTED, "Rejetée"
    UNPAID = statuses.CLAIM_UNPAID, "Impayée"
    WRITTEN_OFF = statuses.CLAIM_WRITTEN_OFF, "Passée en perte"
    REINVOICED = statuses.CLAIM_REINVOICED, "Refacturée"
    # Paid, then (part of) the payment taken back by a recovery (INDU): owed again, and why.
    TAKEN_BACK = statuses.CLAIM_TAKEN_BACK, "Paiement repris (indu)"


OPEN_CLAIM_STATUSES = statuses.OPEN_CLAIM_STATUSES


# Claims come by the million: their creation is recorded by their ImportBatch (who, when,
# which file), so only changes and deletions are events. Patient identity is never copied
# into the history: the retention purge must erase it for good (docs/decisions.md).
@audit_tracked(inserts=False, exclude=["patient_name", "nir", "nir_key", "birth_rank"],
               identity="invoice_number")
class Claim(models.Model):
    """One invoice addressed to one payer: the receivable the pharmacy chases.

    Written in bulk (imports, nightly matching): each index and each foreign-key
    check is paid per row, so the pharmacy's own index is left out (every
    composite index starts with it) and `organism` and `import_batch` are not
    checked by the database (docs/decisions.md, "Imports").
    """

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    invoice_number = models.CharField("n° de facture", max_length=9)
    payer_kind = models.CharField("payeur", max_length=3, choices=PayerKind.choices)
    organism = models.ForeignKey(
        Organism, on_delete=models.PROTECT, related_name="claims", db_index=False,
        db_constraint=False, verbose_name="organisme",
    )
    lot_number = models.CharField("n° de lot", max_length=20, blank=True)
    care_date = models.DateField("date de soins")
    transmission_date = models.DateField("date de transmission")
    patient_name = models.CharField("patient", max_length=200)
    nir = models.CharField("NIR", max_length=13, blank=True)
    nir_key = models.CharField("clé NIR", max_length=2, blank=True)
    birth_rank = models.PositiveSmallIntegerField("rang de naissance", null=True, blank=True)
    amount_claimed = models.DecimalField("montant demandé", **MONEY)
    amount_paid = models.DecimalField("montant payé", default=0, **MONEY)
    operator_code = models.CharField("opérateur", max_length=30)
    prescriber_rpps = models.CharField("prescripteur (RPPS)", max_length=11, blank=True)
    status = models.CharField(
        "statut", max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.TRANSMITTED
    )
    last_return_date = models.DateField("dernier retour", null=True, blank=True)
    paid_date = models.DateField("date de paiement", null=True, blank=True)
    unpaid_since = models.DateField("impayée depuis", null=True, blank=True)
    reinvoice_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reinvoiced_as",
        db_index=False,
        verbose_name="refacturation de",
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="claims",
        db_index=False, db_constraint=False, verbose_name="import",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "facture"
        constraints = [
            models.UniqueConstraint(
                fields=["pharmacy", "invoice_number", "payer_kind"],
                name="unique_claim_per_invoice_and_payer",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_claimed__gte=0), name="claim_amount_not_negative"
            ),
        ]
        indexes = [
            # Partial: a paid claim (nearly all of them, in the end) leaves the indexes of
            # the claims not paid, so the nightly job's rewrite of a claim it settles adds
            # no entry to them; the worklists and the night's steps only ask for claims
            # not paid (docs/decisions.md, "The night").
            # The amounts and the id ride along: counts and sums of the claims at risk
            # (dashboards, portfolio, unpaid worklist totals) and the unpaid worklist's
            # sorted ids are answered from this index alone.
            models.Index(
                fields=["pharmacy", "status", "transmission_date"],
                include=["amount_claimed", "amount_paid", "id"],
                condition=~models.Q(status=ClaimStatus.PAID),
                name="claim_not_paid_by_status",
            ),
            models.Index(fields=["pharmacy", "transmission_date"]),
            models.Index(
                fields=["pharmacy", "organism", "status"],
                condition=~models.Q(status=ClaimStatus.PAID),
                name="claim_not_paid_by_organism",
            ),
            models.Index(
                fields=["pharmacy", "operator_code"],
                condition=~models.Q(status=ClaimStatus.PAID),
                name="claim_not_paid_by_operator",
            ),
            models.Index(fields=["pharmacy", "nir", "care_date"]),
            # Partial: a claim that is no re-invoice (nearly all) costs this index nothing
            # when the nightly job rewrites it.
            models.Index(
                fields=["pharmacy", "reinvoice_of"],
                condition=models.Q(reinvoice_of__isnull=False),
                name="claim_reinvoice_of",
            ),
        ]

    def __str__(self) -> str:
        return f"Facture {self.invoice_number} ({self.payer_kind})"

    def history_label(self) -> str:
        """How a history page names this claim (`audit.history`)."""
        return f"facture {self.invoice_number}"

    @property
    def amount_outstanding(self):
        return self.amount_claimed - self.amount_paid

    @property
    def nir_masked(self) -> str:
        """NIR as lists show it: sex and birth year, the rest hidden."""
        if not self.nir:
            return ""
        return f"{self.nir[:3]} •• •• ••• ••• ••"


class ReturnStatus(models.TextChoices):
    """The insurers' words, from core.statuses; French labels here."""

    PAID = statuses.RETURN_PAID, "Payé"
    REJECTED = statuses.RETURN_REJECTED, "Rejeté"
    PARTIAL = statuses.RETURN_PARTIAL, "Payé partiellement"
    RECOVERY = statuses.RETURN_RECOVERY, "Indu (récupération)"


class ReturnLine(models.Model):
    """One outcome sent by a payer about one claim (NOEMIE-like return).

    It may arrive before its claim: `claim` stays empty until matching finds it.
    """

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.PROTECT, related_name="return_lines", db_index=False
    )
    invoice_number = models.CharField("n° de facture", max_length=9)
    payer_kind = models.CharField("payeur", max_length=3, choices=PayerKind.choices)
    organism = models.ForeignKey(
        Organism, on_delete=models.PROTECT, related_name="return_lines", db_index=False,
        db_constraint=False,
    )
    status = models.CharField("statut", max_length=7, choices=ReturnStatus.choices)
    amount_paid = models.DecimalField("montant payé", null=True, blank=True, **MONEY)
    reject_code = models.CharField("code rejet", max_length=20, blank=True)
    reject_label = models.CharField("libellé rejet", max_length=255, blank=True)
    slip = models.ForeignKey(
        "payments.PaymentSlip",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name="bordereau",
        db_index=False,
    )
    payment_date = models.DateField("date de paiement", null=True, blank=True)
    return_date = models.DateField("date du retour")
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="return_lines",
        db_index=False,
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="return_lines",
        db_index=False, db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ligne de retour"
        verbose_name_plural = "lignes de retour"
        constraints = [
            # The natural key of a return: the same outcome imported twice is one row.
            models.UniqueConstraint(
                fields=[
                    "pharmacy", "invoice_number", "payer_kind", "organism", "status",
                    "return_date", "slip", "amount_paid",
                ],
                nulls_distinct=False,
                name="unique_return_line",
            )
        ]
        # (pharmacy, invoice, payer kind) lookups use unique_return_line, which starts with them.
        indexes = [
            # The night reads a returns import's lines by id range (claims/returns.py).
            models.Index(fields=["pharmacy", "import_batch", "id"], name="return_line_batch_ids"),
            # The lines still waiting for their claim (few): their bounds in one probe.
            # Without it min(id)/max(id) walk the primary key from both ends, and when
            # none is left they read every line of every pharmacy (docs/decisions.md,
            # "## Scale"). A line linked at its import never changes `claim`, so this
            # predicate costs its updates nothing.
            models.Index(
                fields=["pharmacy", "id"],
                condition=models.Q(claim__isnull=True),
                name="return_line_waiting_ids",
            ),
            models.Index(fields=["pharmacy", "slip"]),
            models.Index(fields=["pharmacy", "claim"]),
        ]

    def __str__(self) -> str:
        return f"Retour {self.get_status_display()} facture {self.invoice_number}"


class PatientDataAccess(models.Model):
    """Who opened a page showing a patient's identity, and when (health data: every view is logged)."""

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="+", verbose_name="pharmacie")
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name="facture"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False,
        verbose_name="utilisateur",
    )
    page = models.CharField("page", max_length=60)
    accessed_at = models.DateTimeField("consulté le", auto_now_add=True)

    class Meta:
        verbose_name = "accès aux données d'un patient"
        verbose_name_plural = "accès aux données des patients"
        indexes = [
            models.Index(fields=["pharmacy", "claim", "-accessed_at"]),
            models.Index(fields=["pharmacy", "-accessed_at"]),
        ]


class ExpectedFileAlert(models.Model):
    """A kind of file (claims, returns, bank) that stopped arriving: "fichier attendu".

    Raised by the night when the pharmacy's last file of that kind is older than the
    rhythm learnt from its own files (`claims.expected_files`, docs/operations.md);
    closed by the next file of that kind. One open alert per pharmacy and kind.
    """

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField("type", max_length=10, choices=ImportBatch.Kind.choices)
    last_file_at = models.DateTimeField("dernier fichier reçu le")
    usual_gap = models.DurationField("écart habituel (médiane)")
    late_after = models.DurationField("en retard après")
    opened_on = models.DateField("nuit du")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField("clos le", null=True, blank=True)

    class Meta:
        verbose_name = "fichier attendu"
        verbose_name_plural = "fichiers attendus"
        constraints = [
            models.UniqueConstraint(
                fields=["pharmacy", "kind"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_expected_file_alert",
            )
        ]
        indexes = [models.Index(fields=["pharmacy", "-opened_at"])]

    def __str__(self) -> str:
        return f"Fichier attendu : {self.get_kind_display()}"
