"""Pages of the second factor: set up, verify, recovery codes, turn off (staff only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from pharmacies.access import AuthenticatedHttpRequest
from pharmacies.redirects import local_url_or
from pharmacies.two_factor import (
    recovery_codes_renew,
    totp_setup_confirm,
    totp_setup_start,
    two_factor_disable,
    two_factor_verify,
    user_has_two_factor,
)

WRONG_CODE = "Code incorrect ou expiré. Saisissez le code à 6 chiffres affiché par l'application."


@login_required
def setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    if user_has_two_factor(request.user) and not request.user.is_verified():
        return redirect("two_factor_verify")
    error = None
    if request.method == "POST":
        codes = totp_setup_confirm(request=request, user=request.user, token=request.POST.get("token", ""))
        if codes is not None:
            return TemplateResponse(request, "pharmacies/two_factor_codes.html", {"codes": codes})
        error = WRONG_CODE
    pending = totp_setup_start(user=request.user)
    return TemplateResponse(
        request, "pharmacies/two_factor_setup.html", {"pending": pending, "error": error}
    )


@login_required
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not user_has_two_factor(request.user):
        return redirect("two_factor_setup")
    error = None
    if request.method == "POST":
        if two_factor_verify(request=request, token=request.POST.get("token", "")):
            return redirect(local_url_or(request, request.GET.get("next"), resolve_url("home")))
        error = WRONG_CODE
    return TemplateResponse(request, "pharmacies/two_factor_verify.html", {"error": error})


@require_POST
@login_required
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not user_has_two_factor(request.user):
        raise Http404
    codes = recovery_codes_renew(user=request.user)
    return TemplateResponse(request, "pharmacies/two_factor_codes.html", {"codes": codes})


@require_POST
@login_required
def disable(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_backoffice:
        raise Http404("La double authentification est obligatoire pour le service Backoffice.")
    two_factor_disable(user=request.user)
    messages.success(request, "Double authentification désactivée.")
    return redirect("account_security")
