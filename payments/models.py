"""Payment slips (bordereaux), bank statements and the links between them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from audit.tracking import audit_tracked
from claims.models import MONEY, ImportBatch, Organism
from core.money import format_euros
from pharmacies.models import Pharmacy


@audit_tracked(identity="reference")
class PaymentSlip(models.Model):
    """A bordereau: one payment of one payer, made of return lines, settled by a transfer."""

    class Status(models.TextChoices):
        UNMATCHED = "unmatched", "Non rapproché"
        PARTIAL = "partial", "Partiellement rapproché"
        MATCHED = "matched", "Rapproché"

    # No index of its own: every composite index starts with it.
    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.PROTECT, related_name="payment_slips", db_index=False
    )
    organism = models.ForeignKey(
        Organism, on_delete=models.PROTECT, related_name="payment_slips", db_index=False,
        verbose_name="organisme",
    )
    reference = models.CharField("référence", max_length=40)
    payment_date = models.DateField("date de paiement")
    total = models.DecimalField("total", default=0, **MONEY)
    line_count = models.PositiveIntegerField("lignes", default=0)
    matched_amount = models.DecimalField("montant rapproché", default=0, **MONEY)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.UNMATCHED
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_slips",
        db_index=False, db_constraint=False, verbose_name="import",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bordereau"
        constraints = [
            models.UniqueConstraint(
                fields=["pharmacy", "organism", "reference"], name="unique_slip_per_payer"
            )
        ]
        indexes = [
            # Partial: a settled slip leaves it, so the night's rewrite of the slips it
            # links adds no entry here (docs/decisions.md, "The night").
            models.Index(
                fields=["pharmacy", "payment_date"],
                condition=~models.Q(status="matched"),
                name="slip_open_by_date",
            ),
            models.Index(fields=["pharmacy", "organism", "payment_date"]),
        ]

    def __str__(self) -> str:
        return f"Bordereau {self.reference}"

    def history_label(self) -> str:
        """How a history page names this slip (`audit.history`)."""
        return f"{self.reference} du {self.payment_date:%d/%m/%Y}"


class BankAccount(models.Model):
    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="bank_accounts")
    account_id = models.CharField("compte", max_length=64, help_text="IBAN ou banque/guichet/compte")
    label = models.CharField("libellé", max_length=120, blank=True)
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        verbose_name = "compte bancaire"
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "account_id"], name="unique_bank_account")
        ]

    def __str__(self) -> str:
        return self.label or self.account_id


class BankStatement(models.Model):
    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="bank_statements")
    account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="statements", db_index=False
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_statements",
        db_index=False,
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    opening_balance = models.DecimalField(null=True, blank=True, **MONEY)
    closing_balance = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = "relevé bancaire"
        indexes = [models.Index(fields=["pharmacy", "account", "end_date"])]


# Only the kind and who decided it are audited: a person moving a line between
# "tiers-payant" and "hors tiers-payant", a pharmacy rule or the night re-sorting it.
# Inserts are the import's (ImportBatch); matching's totals have their own trail
# (Reconciliation).
@audit_tracked(inserts=False, fields=["pharmacy", "kind", "kind_source"])
class BankLine(models.Model):
    """One movement on the bank account.

    `natural_key` is the bank reference when the file gives one, else a digest of
    (date, amount, label, position among identical lines): overlapping statements
    never create a line twice.

    `kind` sorts tiers-payant from the rest (payments/classification.py): only an
    insurer's transfer is a "virement non rapproché"; `kind_source` says which rule
    decided, and `manual` is a person's decision the night never overwrites.
    """

    class Kind(models.TextChoices):
        INSURER = "insurer", "Virement d'organisme"
        CARD = "card", "Remise carte"
        DIRECT_DEBIT = "debit", "Prélèvement"
        FEE = "fee", "Frais bancaires"
        OTHER_CREDIT = "other_credit", "Autre crédit"
        OTHER_DEBIT = "other_debit", "Autre débit"

    class KindSource(models.TextChoices):
        MANUAL = "manual", "Choix d'une personne"
        RULE = "rule", "Règle de la pharmacie"
        MATCH = "match", "Rapproché d'un bordereau"
        CODE = "code", "Code opération de la banque"
        PAYER = "payer", "Organisme nommé"
        LABEL = "label", "Libellé"
        SIGN = "sign", "Sens du mouvement"

    class Status(models.TextChoices):
        UNMATCHED = "unmatched", "Non rapprochée"
        PARTIAL = "partial", "Partiellement rapprochée"
        MATCHED = "matched", "Rapprochée"
        IGNORED = "ignored", "Hors tiers-payant"

    # No index of its own: every composite index starts with it.
    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.PROTECT, related_name="bank_lines", db_index=False
    )
    account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    statement = models.ForeignKey(
        BankStatement, on_delete=models.PROTECT, null=True, blank=True, related_name="lines",
        db_index=False,
    )
    natural_key = models.CharField(max_length=64)
    booking_date = models.DateField("date d'opération")
    value_date = models.DateField("date de valeur", null=True, blank=True)
    amount = models.DecimalField("montant", **MONEY)
    label = models.CharField("libellé", max_length=255)
    bank_reference = models.CharField("référence bancaire", max_length=64, blank=True)
    details = models.JSONField("compléments", default=dict, blank=True)
    # The label and the 05 complements as the matching reads them (upper case, no
    # accents, words separated by one space), written by the database when the
    # line is saved (trigger and `match_normalize`, migration 0009): computed once
    # per line, not once per night.
    match_text = models.TextField(default="", blank=True, editable=False)
    matched_amount = models.DecimalField("montant rapproché", default=0, **MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNMATCHED)
    # Empty until sorted: the import sorts its lines in the same transaction, and the
    # night sorts any line written otherwise (db_default: an INSERT by SQL needs no kind).
    kind = models.CharField("nature", max_length=12, choices=Kind.choices, blank=True,
                            default="", db_default="")
    kind_source = models.CharField(
        "nature décidée par", max_length=6, choices=KindSource.choices, blank=True, default="",
        db_default="",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ligne bancaire"
        verbose_name_plural = "lignes bancaires"
        constraints = [
            models.UniqueConstraint(
                fields=["pharmacy", "account", "natural_key"], name="unique_bank_line"
            )
        ]
        indexes = [
            # Partial, as the slips' (the bank lines left to reconcile, by date); their
            # status and amount ride along, for the dashboards' counts and sums.
            models.Index(
                fields=["pharmacy", "booking_date"],
                include=["status", "amount"],
                condition=~models.Q(status__in=["matched", "ignored"]),
                name="bank_line_open_by_date",
            ),
            models.Index(fields=["pharmacy", "booking_date"]),
            # The "virements non rapprochés" of every page (payments.selectors
            # UNMATCHED_INSURER_TRANSFERS, the same condition): their count and sum
            # read from the index alone.
            models.Index(
                fields=["pharmacy", "booking_date"],
                include=["amount", "matched_amount"],
                condition=models.Q(kind="insurer", amount__gt=0, status__in=["unmatched", "partial"]),
                name="bank_line_insurer_open",
            ),
        ]

    def __str__(self) -> str:
        # Shown wherever a line is named (choices, history): French date and amount.
        return f"{self.booking_date:%d/%m/%Y} {self.label} {format_euros(self.amount)}"

    @property
    def is_credit(self) -> bool:
        return self.amount > 0

    def history_label(self) -> str:
        """How a history page names this bank line (`audit.history`)."""
        return f"virement du {self.booking_date:%d/%m/%Y} ({format_euros(self.amount)})"


@audit_tracked()
class BankRule(models.Model):
    """A pharmacy's own rule: a bank line whose text contains `pattern` is of `kind`.

    The words are compared as the matching compares them (`match_normalize`: upper
    case, no accents, punctuation as spaces); a credit kind applies to credits
    only, a debit kind to debits only.
    """

    pharmacy = models.ForeignKey(
        Pharmacy, on_delete=models.PROTECT, related_name="bank_rules", db_index=False
    )
    pattern = models.CharField("le libellé contient", max_length=120)
    kind = models.CharField("nature", max_length=12, choices=BankLine.Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, db_index=False,
        verbose_name="créée par",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "règle de tri bancaire"
        verbose_name_plural = "règles de tri bancaire"
        constraints = [
            models.UniqueConstraint(fields=["pharmacy", "pattern"], name="unique_bank_rule")
        ]

    def __str__(self) -> str:
        return f"« {self.pattern} » → {self.get_kind_display()}"


@audit_tracked(looked_up_by=["bank_line"], identity="slip")
class Reconciliation(models.Model):
    """A link: part (or all) of a bank line pays part (or all) of a slip. Many-to-many."""

    class Source(models.TextChoices):
        AUTO = "auto", "Automatique"
        MANUAL = "manual", "Manuel"

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="+", db_index=False)
    slip = models.ForeignKey(
        PaymentSlip, on_delete=models.PROTECT, related_name="reconciliations", db_index=False,
        verbose_name="bordereau",
    )
    bank_line = models.ForeignKey(
        BankLine, on_delete=models.PROTECT, related_name="reconciliations", db_index=False,
        verbose_name="virement",
    )
    amount = models.DecimalField("montant", **MONEY)
    source = models.CharField("origine", max_length=6, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, db_index=False,
        verbose_name="fait par",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rapprochement"
        constraints = [
            models.UniqueConstraint(
                fields=["pharmacy", "slip", "bank_line"], name="unique_reconciliation"
            ),
            # A recovery slip (indus) netted in a transfer is settled by a negative share.
            models.CheckConstraint(condition=~models.Q(amount=0), name="reconciliation_not_zero"),
        ]
        # (pharmacy, slip) lookups use unique_reconciliation, which starts with them.
        indexes = [models.Index(fields=["pharmacy", "bank_line"])]


class MatchProposal(models.Model):
    """A candidate link the nightly run could not decide alone, with its evidence.

    `slip_ids` is one slip, or several slips of one payer paid by one transfer.
    """

    class Status(models.TextChoices):
        OPEN = "open", "À examiner"
        ACCEPTED = "accepted", "Acceptée"
        DISMISSED = "dismissed", "Écartée"

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="+")
    bank_line = models.ForeignKey(
        BankLine, on_delete=models.CASCADE, related_name="proposals", db_index=False
    )
    slip_ids = ArrayField(models.BigIntegerField(), verbose_name="bordereaux")
    amount = models.DecimalField("montant des bordereaux", **MONEY)
    same_amount = models.BooleanField("même montant", default=True)
    payer_named = models.BooleanField("payeur nommé", default=False)
    reference_found = models.BooleanField("référence trouvée", default=False)
    date_gap_days = models.SmallIntegerField("écart de dates (jours)")
    candidate_count = models.PositiveSmallIntegerField("candidats pour cette ligne", default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The slips themselves, set for the review page by payments.selectors (not a column).
    slips: list[PaymentSlip]

    class Meta:
        verbose_name = "proposition de rapprochement"
        constraints = [
            models.UniqueConstraint(
                fields=["pharmacy", "bank_line", "slip_ids"], name="unique_match_proposal"
            )
        ]
        indexes = [models.Index(fields=["pharmacy", "status", "bank_line"])]


@audit_tracked(looked_up_by=["bank_line"], identity="slip")
class ManualDecision(models.Model):
    """A person unlinked (or refused) this slip and bank line: the nightly run never links them again."""

    class Kind(models.TextChoices):
        UNLINKED = "unlinked", "Délié à la main"
        DISMISSED = "dismissed", "Proposition écartée"

    pharmacy = models.ForeignKey(Pharmacy, on_delete=models.PROTECT, related_name="+")
    slip = models.ForeignKey(PaymentSlip, on_delete=models.CASCADE, related_name="+", db_index=False,
                             verbose_name="bordereau")
    bank_line = models.ForeignKey(BankLine, on_delete=models.CASCADE, related_name="+", db_index=False,
                                  verbose_name="virement")
    kind = models.CharField("décision", max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, db_index=False,
        verbose_name="fait par",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "décision manuelle"
        constraints = [
            models.UniqueConstraint(
                fields=["pharmacy", "bank_line", "slip"], name="unique_manual_decision"
            )
        ]
