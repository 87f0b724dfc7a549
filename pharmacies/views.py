"""The titulaire's pages: the pharmacy's staff and their operator codes; the deposit tokens.

The pharmacy's home page and the staff statistics are figures: `reports/views.py`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pharmacies import services
from pharmacies.access import AuthenticatedHttpRequest, is_titulaire, pharmacy_view
from pharmacies.api_tokens import api_token_create, api_token_revoke, api_tokens_of
from pharmacies.forms import ApiTokenForm, StaffMemberForm
from pharmacies.models import ApiToken, Pharmacy, StaffMember, User
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


def deposit_tokens_view(view: Callable) -> Callable:
    """The titulaire, and the managers the (delegated) pharmacy is assigned to (the access
    rule already keeps the others out); anyone else gets 404."""

    @pharmacy_view
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, *args, **kwargs):
        if not (request.user.kind == User.Kind.MANAGER or is_titulaire(request.user, pharmacy)):
            raise Http404("Page réservée au titulaire et au gestionnaire")
        return view(request, pharmacy, *args, **kwargs)

    return wrapper


@deposit_tokens_view
@require_http_methods(["GET", "POST"])
def deposit_tokens(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    """List, create (the token is shown in this answer only, never stored nor redirected)."""
    form = ApiTokenForm(request.POST or None)
    created = plain = None
    if request.method == "POST" and form.is_valid():
        created, plain = api_token_create(pharmacy=pharmacy, user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    return TemplateResponse(
        request, "pharmacies/deposit_tokens.html",
        {"pharmacy": pharmacy, "form": form, "tokens": api_tokens_of(pharmacy=pharmacy),
         "created": created, "plain": plain},
        status=400 if form.errors else 200,
    )


@deposit_tokens_view
@require_POST
def deposit_token_revoke(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, token_id: int) -> HttpResponse:
    try:
        token = ApiToken.objects.get(pharmacy=pharmacy, pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("Jeton introuvable") from None
    if api_token_revoke(token=token, user=request.user):
        messages.success(request, f"Jeton « {token.name} » révoqué : il ne permet plus aucun dépôt.")
    else:
        messages.info(request, f"Le jeton « {token.name} » était déjà révoqué.")
    return redirect("pharmacies:deposit_tokens", pharmacy.pk)
