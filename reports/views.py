"""Reports pages: the pharmacy's home page (its dashboard) and the staff statistics,
archive of monthly PDFs, statistics of a month with drill-down, Excel exports, and the
comparison across a manager's pharmacies."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from claims.ageing import AGE_BUCKETS
from core.periods import FIRST_MONTH, add_months, first_of_month, parse_month, previous_month
from pharmacies.access import (
    AuthenticatedHttpRequest,
    backoffice_view,
    is_titulaire,
    pharmacy_view,
    visible_pharmacies,
)
from pharmacies.models import Pharmacy
from rejections.selectors import staff_error_statistics
from reports import exports, selectors
from reports.charts import count_bar_chart, euros_bar_chart, percent_trend_chart
from reports.dashboard import actionable_rejections_breakdown, pharmacy_dashboard
from reports.models import MonthlyReport
from reports.months import month_label, month_name
from reports.services import report_context
from reports.statistics import month_statistics, pharmacies_comparison


def _month(request: HttpRequest) -> tuple[dt.date, str]:
    """?mois=AAAA-MM → (month, notice). Absent: last month (the one the latest report
    covers). Unreadable or outside [2000-01, this month]: the nearest month that can
    be shown, with a French notice saying so (never a 500)."""
    text = request.GET.get("mois", "").strip()
    this_month = first_of_month(timezone.localdate())
    default = previous_month(timezone.localdate())
    if not text:
        return default, ""
    try:
        month = parse_month(text)
    except ValueError:
        return default, f"Mois « {text[:20]} » illisible (format attendu AAAA-MM) : affichage de {month_name(default)}."
    if month > this_month:
        return this_month, f"Pas de données dans le futur : affichage de {month_name(this_month)}."
    if month < FIRST_MONTH:
        return FIRST_MONTH, f"Mois trop ancien : affichage de {month_name(FIRST_MONTH)}."
    return month, ""


def _month_nav(month: dt.date, notice: str = "") -> dict:
    this_month = first_of_month(timezone.localdate())
    following = add_months(month, 1)
    return {
        "month": month,
        "month_name": month_name(month),
        "month_notice": notice,
        "mois": f"{month:%Y-%m}",
        "previous": f"{add_months(month, -1):%Y-%m}" if month > FIRST_MONTH else "",
        # No "next" past the current month: there is nothing to show there yet.
        "next": f"{following:%Y-%m}" if following <= this_month else "",
    }


@pharmacy_view
@require_GET
def dashboard(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    """The pharmacy's home page (URL name `pharmacies:dashboard`)."""
    today = timezone.localdate()
    data = pharmacy_dashboard(pharmacy=pharmacy, today=today)
    chart = None
    if any(m.claims for m in data["months"]):
        chart = percent_trend_chart(
            title=f"Taux de rejet, 13 mois jusqu'à {month_name(data['month'])}",
            labels=[month_label(m.month) for m in data["months"]],
            rates=[m.rate for m in data["months"]],
            width=560,
            height=220,
            truncate_label=-1,
            # 13 month labels do not fit side by side: one in two.
            x_labels_major_every=2,
            show_minor_x_labels=False,
            include_x_axis=True,  # from 0 %, as in the report: a flat rate must look flat
        )
    breakdown = actionable_rejections_breakdown(pharmacy=pharmacy)
    titles = {"reasons": "par motif", "categories": "par catégorie", "staff": "par membre du personnel"}
    bars = {
        f"{kind}_chart": count_bar_chart(
            title=f"Rejets à traiter {titles[kind]}", labels=[label for label, _ in rows],
            counts=[count for _, count in rows], width=560,
        )
        for kind, rows in breakdown.items() if rows
    }
    if data["money"].owed.count:
        bars["ageing_chart"] = euros_bar_chart(
            title="Argent en attente, par ancienneté", labels=[b.label for b in data["buckets"]],
            amounts=[b.amount for b in data["buckets"]], width=560,
        )
    links = {
        "rejections": reverse("rejections:list", args=[pharmacy.pk]),
        "unpaid": reverse("rejections:unpaid", args=[pharmacy.pk]),
        "bank_unmatched": reverse("payments:unmatched", args=[pharmacy.pk]),
        "payments_review": reverse("payments:review", args=[pharmacy.pk]),
        "imports": reverse("claims:imports", args=[pharmacy.pk]),
    }
    return TemplateResponse(
        request,
        "reports/dashboard.html",
        {
            "pharmacy": pharmacy,
            "data": data,
            "chart": chart,
            "bars": bars,
            "links": links,
            "today": today,
            "is_titulaire": is_titulaire(request.user, pharmacy),
        },
    )


@pharmacy_view
@require_GET
def staff_statistics(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    """Rejections by operator (URL name `pharmacies:staff_statistics`): the titulaire and
    the Backoffice; counter staff get 404."""
    if not (request.user.is_backoffice or is_titulaire(request.user, pharmacy)):
        raise Http404("Page réservée au titulaire")
    since = add_months(first_of_month(timezone.localdate()), -12)
    return TemplateResponse(
        request,
        "reports/staff_statistics.html",
        {
            "pharmacy": pharmacy,
            "since": since,
            "rows": staff_error_statistics(pharmacy=pharmacy, since=since),
        },
    )


@pharmacy_view
@require_GET
def archive(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    return TemplateResponse(
        request, "reports/archive.html",
        {"pharmacy": pharmacy, "reports": selectors.reports_archive(pharmacy=pharmacy)},
    )


@pharmacy_view
@require_GET
def report_pdf(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, report_id: int) -> FileResponse:
    # Filtered by the (already checked) pharmacy: another tenant's report is a 404.
    report = get_object_or_404(MonthlyReport.objects.exclude(pdf=""), pharmacy=pharmacy, pk=report_id)
    return FileResponse(
        report.pdf.open("rb"), as_attachment=False,
        filename=f"rapport-{pharmacy.finess}-{report.month:%Y-%m}.pdf", content_type="application/pdf",
    )


@pharmacy_view
@require_GET
def statistics(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    month, notice = _month(request)
    stats = month_statistics(pharmacy=pharmacy, month=month)
    context = report_context(stats) | _month_nav(stats.month, notice)
    return TemplateResponse(request, "reports/statistics.html", context)


DRILL_FILTER_LABELS = {"motif": "motif", "categorie": "catégorie", "operateur": "opérateur", "organisme": "organisme", "evitable": "évitables au comptoir"}


@pharmacy_view
@require_GET
def rejections(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    month, notice = _month(request)
    filters = {key: request.GET.get(key, "") for key in DRILL_FILTER_LABELS}
    queryset = selectors.month_rejections(pharmacy=pharmacy, month=month, filters=filters)
    page = Paginator(queryset, 100).get_page(request.GET.get("page"))
    query = urlencode({key: value for key, value in filters.items() if value})
    context = {"pharmacy": pharmacy, "page": page, "filters": query} | _month_nav(month, notice)
    template = "reports/rejections.html#rows" if request.htmx else "reports/rejections.html"
    return TemplateResponse(request, template, context)


@pharmacy_view
@require_GET
def unpaid(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    month, notice = _month(request)
    bucket = request.GET.get("anciennete")
    queryset = selectors.open_claims(pharmacy=pharmacy, month=month, bucket=bucket)
    page = Paginator(queryset, 100).get_page(request.GET.get("page"))
    label = AGE_BUCKETS[bucket][0] if bucket in AGE_BUCKETS else ""
    context = {"pharmacy": pharmacy, "page": page, "bucket": bucket or "", "bucket_label": label} | _month_nav(month, notice)
    return TemplateResponse(request, "reports/unpaid.html", context)


EXPORTS = {
    "rejets": "rejets",
    "impayes": "impayes",
    "bordereaux": "bordereaux",
    "rapprochement": "rapprochement-bancaire",
    "statistiques": "statistiques",
}


@pharmacy_view
@require_GET
def export(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, kind: str) -> FileResponse:
    if kind not in EXPORTS:
        raise Http404("Export inconnu")
    month, _notice = _month(request)
    if kind == "rejets":
        filters = {key: request.GET.get(key, "") for key in DRILL_FILTER_LABELS}
        sheets = [exports.rejections_sheet(selectors.month_rejections(pharmacy=pharmacy, month=month, filters=filters))]
    elif kind == "impayes":
        sheets = [exports.unpaid_claims_sheet(
            selectors.open_claims(pharmacy=pharmacy, month=month, bucket=request.GET.get("anciennete")),
            today=add_months(month, 1) - dt.timedelta(days=1),
        )]
    elif kind == "bordereaux":
        sheets = [exports.payment_slips_sheet(selectors.month_slips(pharmacy=pharmacy, month=month))]
    elif kind == "rapprochement":
        sheets = [exports.bank_reconciliation_sheet(selectors.month_bank_lines(pharmacy=pharmacy, month=month))]
    else:
        sheets = exports.month_statistics_sheets(month_statistics(pharmacy=pharmacy, month=month))
    return exports.workbook_response(f"{EXPORTS[kind]}-{pharmacy.finess}-{month:%Y-%m}.xlsx", sheets)


@backoffice_view
@require_GET
def comparison(request: AuthenticatedHttpRequest) -> TemplateResponse:
    month, notice = _month(request)
    rows = pharmacies_comparison(pharmacies=visible_pharmacies(request.user), month=month)
    return TemplateResponse(request, "reports/comparison.html", {"rows": rows} | _month_nav(month, notice))
