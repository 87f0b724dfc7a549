"""The pharmacy's home page and the titulaire's pages (staff, operator codes, statistics)."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from pharmacies import services
from pharmacies.access import is_titulaire, pharmacy_view
from pharmacies.forms import StaffMemberForm
from pharmacies.models import Pharmacy, StaffMember
from pharmacies.selectors import pharmacy_dashboard, staff_members
from rejections.selectors import staff_error_statistics


def _url_or_none(name: str, *args) -> str | None:
    # Pages owned by other teams may not exist yet: no link rather than an error.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def titulaire_view(view: Callable) -> Callable:
    """The pharmacy's owner only; anyone else gets 404 (like an object outside the rule)."""

    @pharmacy_view
    @wraps(view)
    def wrapper(request: HttpRequest, pharmacy: Pharmacy, *args, **kwargs):
        if not is_titulaire(request.user, pharmacy):
            raise Http404("Page réservée au titulaire")
        return view(request, pharmacy, *args, **kwargs)

    return wrapper


@pharmacy_view
@require_GET
def dashboard(request: HttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    from reports.charts import month_label, percent_trend_chart

    today = timezone.localdate()
    data = pharmacy_dashboard(pharmacy=pharmacy, today=today)
    chart = None
    if any(m.claims for m in data["months"]):
        chart = percent_trend_chart(
            title="Taux de rejet, 13 derniers mois",
            labels=[month_label(m.month.year, m.month.month) for m in data["months"]],
            rates=[m.rate for m in data["months"]],
            width=560,
            height=220,
            truncate_label=-1,
            # 13 month labels do not fit side by side: one in two.
            x_labels_major_every=2,
            show_minor_x_labels=False,
        )
    links = {
        "rejections": reverse("rejections:list", args=[pharmacy.pk]),
        "unpaid": reverse("rejections:unpaid", args=[pharmacy.pk]),
        "bank_unmatched": _url_or_none("payments:unmatched", pharmacy.pk),
        "payments_review": _url_or_none("payments:review", pharmacy.pk),
        "imports": _url_or_none("claims:imports", pharmacy.pk),
    }
    return TemplateResponse(
        request,
        "pharmacies/dashboard.html",
        {
            "pharmacy": pharmacy,
            "data": data,
            "chart": chart,
            "links": links,
            "today": today,
            "is_titulaire": is_titulaire(request.user, pharmacy),
        },
    )


@titulaire_view
@require_GET
def staff_list(request: HttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    return TemplateResponse(
        request, "pharmacies/staff_list.html",
        {"pharmacy": pharmacy, "members": staff_members(pharmacy=pharmacy)},
    )


@titulaire_view
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    form = StaffMemberForm(request.POST or None, pharmacy=pharmacy)
    if request.method == "POST" and form.is_valid():
        member = services.staff_member_create(pharmacy=pharmacy, **form.cleaned_data)
        messages.success(request, f"{member.first_name} {member.last_name} ajouté(e) au personnel.")
        return redirect("pharmacies:staff", pharmacy.pk)
    return TemplateResponse(
        request, "pharmacies/staff_form.html", {"pharmacy": pharmacy, "form": form, "member": None}
    )


@titulaire_view
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pharmacy: Pharmacy, staff_id: int) -> HttpResponse:
    try:
        member = StaffMember.objects.select_related("user").get(pharmacy=pharmacy, pk=staff_id)
    except StaffMember.DoesNotExist:
        raise Http404("Membre du personnel introuvable")
    initial = {
        "first_name": member.first_name, "last_name": member.last_name, "role": member.role,
        "operator_code": member.operator_code, "active": member.active,
        "username": member.user.username if member.user else "",
        "email": member.user.email if member.user else "",
    }
    form = StaffMemberForm(request.POST or None, pharmacy=pharmacy, instance=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.staff_member_update(staff_member=member, **form.cleaned_data)
        messages.success(request, "Modifications enregistrées.")
        return redirect("pharmacies:staff", pharmacy.pk)
    return TemplateResponse(
        request, "pharmacies/staff_form.html", {"pharmacy": pharmacy, "form": form, "member": member}
    )


@pharmacy_view
@require_GET
def staff_statistics(request: HttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    """Rejections by operator: the titulaire and the Backoffice; counter staff get 404."""
    if not (request.user.is_backoffice or is_titulaire(request.user, pharmacy)):
        raise Http404("Page réservée au titulaire")
    from reports.statistics import add_months, first_of_month

    since = add_months(first_of_month(timezone.localdate()), -12)
    return TemplateResponse(
        request,
        "pharmacies/staff_statistics.html",
        {
            "pharmacy": pharmacy,
            "since": since,
            "rows": staff_error_statistics(pharmacy=pharmacy, since=since),
        },
    )
