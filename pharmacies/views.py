"""The titulaire's pages: the pharmacy's staff and their operator codes.

The pharmacy's home page and the staff statistics are figures: `reports/views.py`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from pharmacies import services
from pharmacies.access import AuthenticatedHttpRequest, is_titulaire, pharmacy_view
from pharmacies.forms import StaffMemberForm
from pharmacies.models import Pharmacy, StaffMember
from pharmacies.selectors import staff_members


def titulaire_view(view: Callable) -> Callable:
    """The pharmacy's owner only; anyone else gets 404 (like an object outside the rule)."""

    @pharmacy_view
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, *args, **kwargs):
        if not is_titulaire(request.user, pharmacy):
            raise Http404("Page réservée au titulaire")
        return view(request, pharmacy, *args, **kwargs)

    return wrapper


@titulaire_view
@require_GET
def staff_list(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    return TemplateResponse(
        request, "pharmacies/staff_list.html",
        {"pharmacy": pharmacy, "members": staff_members(pharmacy=pharmacy)},
    )


@titulaire_view
@require_http_methods(["GET", "POST"])
def staff_create(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    form = StaffMemberForm(request.POST or None, pharmacy=pharmacy)
    if request.method == "POST" and form.is_valid():
        member = services.staff_member_create(request=request, pharmacy=pharmacy, **form.cleaned_data)
        messages.success(request, f"{member.first_name} {member.last_name} ajouté(e) au personnel.")
        return redirect("pharmacies:staff", pharmacy.pk)
    return TemplateResponse(
        request, "pharmacies/staff_form.html", {"pharmacy": pharmacy, "form": form, "member": None}
    )


@titulaire_view
@require_http_methods(["GET", "POST"])
def staff_edit(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, staff_id: int) -> HttpResponse:
    try:
        member = StaffMember.objects.select_related("user").get(pharmacy=pharmacy, pk=staff_id)
    except StaffMember.DoesNotExist:
        raise Http404("Membre du personnel introuvable") from None
    initial = {
        "first_name": member.first_name, "last_name": member.last_name, "role": member.role,
        "operator_code": member.operator_code, "active": member.active,
        "username": member.user.username if member.user else "",
        "email": member.user.email if member.user else "",
    }
    form = StaffMemberForm(request.POST or None, pharmacy=pharmacy, instance=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        asked_email = form.cleaned_data["email"]
        services.staff_member_update(request=request, staff_member=member, **form.cleaned_data)
        messages.success(request, "Modifications enregistrées.")
        if member.user is not None and asked_email and asked_email != member.user.email:
            messages.info(request, f"Nouvelle adresse envoyée à {asked_email} : elle prendra effet "
                                   "quand la personne l'aura confirmée elle-même.")
        return redirect("pharmacies:staff", pharmacy.pk)
    return TemplateResponse(
        request, "pharmacies/staff_form.html", {"pharmacy": pharmacy, "form": form, "member": member}
    )
