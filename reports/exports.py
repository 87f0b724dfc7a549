"""Excel exports: the product's sheets (columns and row iterators) and their download.

The writer itself is `core/xlsx.py` (XlsxWriter in constant-memory mode), shared with the
rejections' worklist exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import F, StringAgg, Value
from django.http import FileResponse

from claims import due
from claims.models import ClaimStatus
from core.xlsx import XLSX_CONTENT_TYPE, Column, Sheet, spooled_workbook
from payments.models import BankLine, PaymentSlip
from rejections.models import HandledBy, ReasonCategory, RejectionStatus
from reports.figures import WORDS


def workbook_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """An HTTP download of the workbook, spooled to a temporary file (not built in memory)."""
    return FileResponse(
        spooled_workbook(sheets), as_attachment=True, filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )


# ---------------------------------------------------------------------------
# The product's exports: column definitions and row iterators, shared by the
# reports pages and the staff pages' bulk export. Rows stream from
# `.values_list(...).iterator(chunk_size=2000)`: memory does not grow with rows.
# ---------------------------------------------------------------------------

CHUNK = 2000


def _label(choices) -> dict:
    return dict(choices)


def rejections_sheet(queryset) -> Sheet:
    """Rejections (any queryset of rejections.Rejection, already scoped by the caller)."""
    statuses, categories, handlers = (
        _label(RejectionStatus.choices), _label(ReasonCategory.choices), _label(HandledBy.choices)
    )
    columns = [
        Column("Rejeté le", 12, "date"), Column("N° de facture", 13), Column("Payeur", 8),
        Column("Organisme", 28), Column("Code motif", 11), Column("Motif", 44),
        Column("Catégorie", 24), Column("Évitable au comptoir", 10), Column("Opérateur", 12),
        Column("Transmise le", 12, "date"), Column("Montant en jeu", 14, "money"),
        Column("Statut", 20), Column("Traité par", 12), Column("Montant récupéré", 14, "money"),
        Column("Clos le", 12, "date"), Column("Nouvelle facture", 13),
    ]
    rows = (
        queryset.order_by("rejected_on", "pk")
        .values_list(
            "rejected_on", "claim__invoice_number", "claim__payer_kind", "claim__organism__name",
            "reason__code", "reason__label", "reason__category", "reason__avoidable_at_counter",
            "claim__operator_code", "claim__transmission_date", "amount", "status", "handled_by",
            "recovered_amount", "closed_on", "new_invoice_number",
        )
        .iterator(chunk_size=CHUNK)
    )

    def formatted():
        for (rejected_on, invoice, payer, organism, code, label, category, avoidable, operator,
             transmitted, amount, status, handler, recovered, closed_on, new_invoice) in rows:
            yield (
                rejected_on, invoice, payer, organism, code, label,
                categories.get(category, category), "Oui" if avoidable else "Non", operator,
                transmitted, amount, statuses.get(status, status), handlers.get(handler, handler),
                recovered, closed_on, new_invoice,
            )

    return Sheet("Rejets", columns, formatted())


def unpaid_claims_sheet(queryset, *, today=None) -> Sheet:
    """Unpaid (open) claims: any queryset of claims.Claim, already scoped by the caller,
    with each claim's due date and kind on `today` (claims/due.py: what to do next)."""
    today = today or dt.date.today()
    statuses = _label(ClaimStatus.choices)
    columns = [
        Column("N° de facture", 13), Column("Payeur", 8), Column("Organisme", 28),
        Column("Date de soins", 12, "date"), Column("Transmise le", 12, "date"),
        Column("Ancienneté (jours)", 12, "integer"), Column(WORDS["due_on"][0], 12, "date"),
        Column("Montant demandé", 14, "money"),
        Column("Montant payé", 14, "money"), Column("Reste dû", 14, "money"),
        Column("Statut", 18), Column("Prochaine étape", 30), Column("Impayée depuis", 13, "date"),
        Column("Opérateur", 12), Column("Patient", 26),
    ]
    rows = (
        queryset.order_by("transmission_date", "pk")
        .annotate(outstanding=due.outstanding(), due_on=due.due_on(),
                  kind=due.kind_expression(today))
        .values_list(
            "invoice_number", "payer_kind", "organism__name", "care_date", "transmission_date",
            "due_on", "amount_claimed", "amount_paid", "outstanding", "status", "kind",
            "unpaid_since", "operator_code", "patient_name",
        )
        .iterator(chunk_size=CHUNK)
    )

    def formatted():
        for (invoice, payer, organism, care, transmitted, due_on, claimed, paid, outstanding,
             status, kind, unpaid_since, operator, patient) in rows:
            next_step = due.KINDS[kind].next_step.capitalize() if kind else ""
            yield (invoice, payer, organism, care, transmitted, (today - transmitted).days, due_on,
                   claimed, paid, outstanding, statuses.get(status, status), next_step,
                   unpaid_since, operator, patient)

    return Sheet("Impayés", columns, formatted())


def payment_slips_sheet(queryset) -> Sheet:
    """Payment slips (bordereaux): any queryset of payments.PaymentSlip."""
    statuses = _label(PaymentSlip.Status.choices)
    columns = [
        Column("Date de paiement", 13, "date"), Column("Référence", 22), Column("Payeur", 8),
        Column("Organisme", 28), Column("Lignes", 8, "integer"), Column("Total", 14, "money"),
        Column("Montant rapproché", 14, "money"), Column("Reste à rapprocher", 14, "money"),
        Column("Statut", 22),
    ]
    rows = (
        queryset.order_by("payment_date", "pk")
        .annotate(remaining=F("total") - F("matched_amount"))
        .values_list("payment_date", "reference", "organism__kind", "organism__name", "line_count",
                     "total", "matched_amount", "remaining", "status")
        .iterator(chunk_size=CHUNK)
    )
    return Sheet("Bordereaux", columns, ((*row[:-1], statuses.get(row[-1], row[-1])) for row in rows))


def bank_reconciliation_sheet(queryset) -> Sheet:
    """Bank lines and the slips they pay: any queryset of payments.BankLine."""
    statuses = _label(BankLine.Status.choices)
    kinds = _label(BankLine.Kind.choices)
    columns = [
        Column("Date d'opération", 13, "date"), Column("Date de valeur", 13, "date"),
        Column("Libellé", 44), Column("Référence bancaire", 22), Column("Montant", 14, "money"),
        Column("Montant rapproché", 14, "money"), Column("Reste à rapprocher", 14, "money"),
        Column("Statut", 22), Column("Nature", 22), Column("Bordereaux", 36),
    ]
    rows = (
        queryset.order_by("booking_date", "pk")
        .annotate(
            remaining=F("amount") - F("matched_amount"),
            slips=StringAgg("reconciliations__slip__reference", Value(", "), default=Value("")),
        )
        .values_list("booking_date", "value_date", "label", "bank_reference", "amount",
                     "matched_amount", "remaining", "status", "kind", "slips")
        .iterator(chunk_size=CHUNK)
    )
    # Only an insurer's transfer is "non rapproché": the rest says "Hors tiers-payant"
    # (payments.selectors.UNMATCHED_INSURER_TRANSFERS), with its nature beside it.
    return Sheet(
        "Rapprochement bancaire", columns,
        ((*row[:7],
          statuses.get(row[7], row[7]) if row[8] == BankLine.Kind.INSURER else "Hors tiers-payant",
          kinds.get(row[8], row[8]), row[9]) for row in rows),
    )


def month_statistics_sheets(stats) -> list[Sheet]:
    """The statistics of a month (reports.statistics.MonthStatistics), one sheet per table."""
    summary = [
        ("Factures transmises", stats.claims, stats.claims_amount, None),
        ("Factures rejetées", stats.rejected_claims, stats.rejections_amount, stats.rejection_rate),
        ("Rejets", stats.rejections, stats.rejections_amount, None),
        ("Rejets évitables au comptoir", stats.avoidable_rejections, None,
         stats.avoidable_rejections / stats.rejections if stats.rejections else None),
        # The money figures on the month's last day (reports.figures), in the pages' words.
        (WORDS["at_risk"][0], stats.money.at_risk.count, stats.money.at_risk.amount, None),
        (WORDS["overdue"][0], stats.money.overdue.count, stats.money.overdue.amount, None),
        *((f"{k.label} ({k.next_step})", k.count, k.amount, None) for k in stats.money.kinds),
        (WORDS["recovered"][0], stats.recovered_count, stats.recovered_amount, None),
        ("Rejets clos par la pharmacie", stats.closed_by_pharmacy, None, None),
        ("Rejets clos par le Backoffice", stats.closed_by_backoffice, None, None),
        ("Relances envoyées", stats.follow_ups_sent, None, None),
        ("Minutes du Backoffice", stats.backoffice_minutes, None, None),
    ]
    return [
        Sheet("Synthèse", [Column("Indicateur", 34), Column("Nombre", 12, "integer"),
                           Column("Montant", 16, "money"), Column("Taux", 10, "percent")], summary),
        Sheet("Évolution 12 mois", [Column("Mois", 12, "date"), Column("Factures", 12, "integer"),
                                    Column("Rejetées", 12, "integer"), Column("Taux de rejet", 12, "percent")],
              [(t.month, t.claims, t.rejected, t.rate) for t in stats.trend]),
        Sheet("Motifs", [Column("Payeur", 8), Column("Code", 11), Column("Motif", 44),
                         Column("Catégorie", 24), Column("Évitable au comptoir", 10),
                         Column("Rejets", 10, "integer"), Column("Montant", 14, "money"),
                         Column("Pour éviter", 60)],
              [(r.payer_kind, r.code, r.label, r.category_label, "Oui" if r.avoidable_at_counter else "Non",
                r.count, r.amount, r.advice_prevent) for r in stats.reasons]),
        Sheet("Catégories", [Column("Catégorie", 28), Column("Rejets", 10, "integer"),
                             Column("Montant", 14, "money")],
              [(c.label, c.count, c.amount) for c in stats.categories]),
        Sheet("Opérateurs", [Column("Code opérateur", 14), Column("Nom", 26),
                             Column("Factures", 10, "integer"), Column("Rejetées", 10, "integer"),
                             Column("Taux de rejet", 12, "percent"), Column("Évitables", 10, "integer"),
                             Column("Taux évitable", 12, "percent"), Column("Motifs principaux", 60)],
              [(o.operator_code, o.name, o.claims, o.rejected, o.rate, o.avoidable, o.avoidable_rate,
                " ; ".join(f"{r.label} ({r.count})" for r in o.reasons[:3])) for o in stats.operators]),
        Sheet("Organismes", [Column("Organisme", 30), Column("Payeur", 8), Column("Factures", 10, "integer"),
                             Column("Rejetées", 10, "integer"), Column("Taux de rejet", 12, "percent"),
                             Column("Payées dans le mois", 12, "integer"),
                             Column("Délai médian (jours)", 12, "decimal"),
                             Column("Délai 90 % (jours)", 12, "decimal")],
              [(p.name, p.kind, p.claims, p.rejected, p.rate, p.paid, p.median_delay, p.p90_delay)
               for p in stats.payers]),
        Sheet("Ancienneté impayés", [Column("Ancienneté", 18), Column("Factures", 10, "integer"),
                                     Column("Reste dû", 14, "money")],
              [(b.label, b.count, b.amount) for b in stats.unpaid]),
    ]
