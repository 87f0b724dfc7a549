"""The user's own account: security settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from pharmacies.access import AuthenticatedHttpRequest
from pharmacies.accounts import (
    EmailChangeRefused,
    user_daily_digest_set,
    user_email_change_confirm,
    user_other_sessions_end,
)
from pharmacies.two_factor import user_has_two_factor


@login_required
def security(request: AuthenticatedHttpRequest) -> TemplateResponse:
    return TemplateResponse(
        request,
        "pharmacies/account_security.html",
        {"has_two_factor": user_has_two_factor(request.user)},
    )


@require_POST
@login_required
def daily_digest(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The daily e-mail digest on or off (a checkbox: absent means off)."""
    wanted = request.POST.get("daily_digest") == "on"
    user_daily_digest_set(user=request.user, wanted=wanted)
    messages.success(request, "Résumé quotidien par e-mail : " + ("activé." if wanted else "désactivé."))
    return redirect("account_security")


@require_POST
@login_required
def end_other_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    user_other_sessions_end(request=request, user=request.user)
    messages.success(request, "Vos autres sessions sont fermées.")
    return redirect("account_security")


@login_required
def email_confirm(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The person confirms, signed in as themself, the new address asked for their login."""
    if request.method == "POST":
        try:
            email = user_email_change_confirm(user=request.user, token=token)
        except EmailChangeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"Votre adresse est maintenant {email}.")
        return redirect("account_security")
    return TemplateResponse(request, "pharmacies/email_confirm.html", {"token": token})
