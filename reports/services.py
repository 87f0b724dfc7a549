"""Producing and sending the monthly report: claim (compare-and-swap with a lease), render,
store, mail."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db.models import DateTimeField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from core.periods import first_of_month
from pharmacies.models import Pharmacy, StaffRole
from reports.charts import count_bar_chart, euros_bar_chart, percent_trend_chart
from reports.models import MonthlyReport
from reports.months import month_label, month_name
from reports.pdf import render_pdf
from reports.statistics import MonthStatistics, month_statistics

logger = logging.getLogger(__name__)

# The reasons chart shows the most frequent ones; the table under it lists them all.
CHART_REASONS = 10


def month_charts(stats: MonthStatistics) -> dict[str, str | None]:
    """The month's bar charts (statistics page and PDF alike), from the figures of
    `month_statistics`: nothing is counted here. None when there is nothing to draw."""
    reasons = stats.reasons[:CHART_REASONS]
    rejected_operators = [o for o in stats.operators if o.rejected]
    return {
        "reasons_chart": count_bar_chart(
            title="Rejets par motif" if len(stats.reasons) <= CHART_REASONS
            else f"Les {CHART_REASONS} motifs de rejet les plus fréquents",
            labels=[r.label[:1].upper() + r.label[1:] for r in reasons], counts=[r.count for r in reasons],
        ) if reasons else None,
        "categories_chart": count_bar_chart(
            title="Rejets par catégorie",
            labels=[c.label for c in stats.categories], counts=[c.count for c in stats.categories],
        ) if stats.categories else None,
        "operators_chart": count_bar_chart(
            title="Factures rejetées par membre du personnel",
            labels=[o.name for o in rejected_operators], counts=[o.rejected for o in rejected_operators],
        ) if rejected_operators else None,
        "ageing_chart": euros_bar_chart(
            title=f"Reste dû par ancienneté au {stats.month_end:%d/%m/%Y}",
            labels=[b.label for b in stats.unpaid], amounts=[b.amount for b in stats.unpaid],
        ) if any(b.count for b in stats.unpaid) else None,
    }


def report_context(stats: MonthStatistics) -> dict:
    return month_charts(stats) | {
        "stats": stats,
        "pharmacy": stats.pharmacy,
        "month_name": month_name(stats.month),
        "trend_chart": percent_trend_chart(
            title="Taux de rejet sur 12 mois",
            labels=[month_label(t.month) for t in stats.trend],
            rates=[t.rate for t in stats.trend],
            truncate_label=-1,  # "sept. 26" whole, not "sept.…"
            include_x_axis=True,  # the axis from 0 %: a flat rate must look flat
        ),
    }


def report_pdf_render(*, pharmacy: Pharmacy, month: dt.date) -> bytes:
    stats = month_statistics(pharmacy=pharmacy, month=month)
    return render_pdf("reports/monthly_report.html", report_context(stats))


def titulaire_emails(*, pharmacy: Pharmacy) -> list[str]:
    return list(
        pharmacy.staff.filter(role=StaffRole.TITULAIRE, active=True, user__isnull=False)
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )


def lease_end() -> ExpressionWrapper:
    # The database's clock, not the worker's: every worker compares leases on one clock.
    lease = dt.timedelta(seconds=settings.REPORT_RENDER_LEASE_SECONDS)
    return ExpressionWrapper(Now() + lease, output_field=DateTimeField())


def report_claim(*, pharmacy_id: int, month: dt.date, from_states: tuple[str, ...]) -> MonthlyReport | None:
    """Create the row if missing, then move it to `rendering` if its state is one of
    `from_states`, or if it was left in `rendering` past its lease (the worker that
    claimed it died). One UPDATE, so exactly one caller wins."""
    MonthlyReport.objects.get_or_create(pharmacy_id=pharmacy_id, month=month)
    report = MonthlyReport.objects.filter(pharmacy_id=pharmacy_id, month=month)
    claimable = Q(state__in=from_states) | Q(state=MonthlyReport.State.RENDERING, lease_until__lt=Now())
    if not report.filter(claimable).update(
        state=MonthlyReport.State.RENDERING, claimed_at=Now(), lease_until=lease_end(), error=""
    ):
        return None
    return report.select_related("pharmacy").get()


def _pause() -> None:
    # Tests only: holds the report in `rendering` so a test can kill the worker.
    seconds = float(getattr(settings, "REPORT_RENDER_PAUSE_SECONDS", 0) or 0)
    if seconds:
        time.sleep(seconds)


def report_produce(*, pharmacy_id: int, month: dt.date, force: bool = False) -> MonthlyReport | None:
    """Render, store and mail the report once. Returns None when another run owns
    or already sent it. `force` re-renders and re-sends a sent report (on demand)."""
    month = first_of_month(month)
    states = [MonthlyReport.State.PENDING, MonthlyReport.State.FAILED]
    if force:
        states.append(MonthlyReport.State.SENT)
    report = report_claim(pharmacy_id=pharmacy_id, month=month, from_states=tuple(states))
    if report is None:
        return None
    ours = MonthlyReport.objects.filter(
        pk=report.pk, state=MonthlyReport.State.RENDERING, claimed_at=report.claimed_at
    )
    try:
        _pause()
        pdf = report_pdf_render(pharmacy=report.pharmacy, month=month)
        # Still ours? A render that outlived its lease may have been claimed again:
        # then the other run sends it, and this one must not (sent once).
        if not ours.update(lease_until=lease_end()):
            logger.warning("Rapport %s : bail expiré pendant le rendu, abandonné", report.pk)
            return None
        if report.pdf:
            report.pdf.delete(save=False)
        report.pdf.save(f"rapport-{report.pharmacy.finess}-{month:%Y-%m}.pdf", ContentFile(pdf), save=False)
        report.generated_at = timezone.now()
        report.save(update_fields=["pdf", "generated_at"])
        recipients = titulaire_emails(pharmacy=report.pharmacy)
        if recipients:
            report_mail(report=report, recipients=recipients, pdf=pdf)
        report.recipients = ", ".join(recipients)
        report.state = MonthlyReport.State.SENT
        report.sent_at = timezone.now() if recipients else None
        report.save(update_fields=["recipients", "state", "sent_at"])
    except Exception as error:
        # Back to a claimable state: the next run (or a retry) tries again.
        ours.update(state=MonthlyReport.State.FAILED, error=repr(error)[:2000])
        raise
    return report


def report_mail(*, report: MonthlyReport, recipients: list[str], pdf: bytes) -> None:
    name = month_name(report.month)
    message = EmailMessage(
        subject=f"Rapport tiers-payant de {name} — {report.pharmacy.name}",
        body=(
            "Bonjour,\n\n"
            f"Vous trouverez ci-joint le rapport tiers-payant de {name} pour "
            f"{report.pharmacy.name} : les chiffres du mois, l'évolution des rejets, "
            "leurs motifs et les conseils pour les éviter.\n\n"
            "Bonne lecture,\nLe service Backoffice"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach(Path(report.pdf.name or "rapport.pdf").name, pdf, "application/pdf")
    message.send()


def reports_pharmacies() -> QuerySet[Pharmacy]:
    """Every pharmacy gets its report (delegated or not: it is the product's monthly summary)."""
    return Pharmacy.objects.order_by("pk")


