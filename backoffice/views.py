from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from backoffice.access import backoffice_view, supervisor_view
from backoffice.selectors import supervision_rows
from pharmacies.models import User
from pharmacies.selectors import pharmacies_for_user


@login_required
def home(request: HttpRequest) -> HttpResponseRedirect | TemplateResponse:
    """Each role lands on its own page."""
    user = request.user
    if user.kind == User.Kind.SUPERVISOR:
        return redirect("backoffice:supervision")
    if user.kind == User.Kind.MANAGER:
        return redirect("backoffice:portfolio")
    member = getattr(user, "staff_member", None)
    if member is not None and member.active:
        return redirect("pharmacies:dashboard", member.pharmacy_id)
    return TemplateResponse(request, "backoffice/no_pharmacy.html", status=200)


@backoffice_view
def portfolio(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(
        request,
        "backoffice/portfolio.html",
        {"pharmacies": pharmacies_for_user(user=request.user)},
    )


@supervisor_view
def supervision(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(
        request, "backoffice/supervision.html", {"rows": supervision_rows(user=request.user)}
    )
