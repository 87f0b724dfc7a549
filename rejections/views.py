"""Rejection and unpaid-claim pages: a pharmacy's worklists, the rejection file and its actions.

The worklists themselves are `rejections/pages.py`, which the Backoffice mounts too.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims.patient_access import patient_access_log
from pharmacies.access import pharmacy_view
from pharmacies.models import DelegationMode, Pharmacy
from pharmacies.redirects import local_url_or
from rejections import selectors, services
from rejections.forms import (
    AssignForm,
    AttachmentForm,
    CommentForm,
    HandlerForm,
    ResolveForm,
    TransitionForm,
)
from rejections.models import Attachment, Rejection, RejectionStatus
from rejections.pages import (
    first_error,
    rejection_worklist_response,
    unpaid_worklist_response,
    validation_message,
    wants_partial,
)


def _only(pharmacy: Pharmacy) -> QuerySet[Pharmacy]:
    return Pharmacy.objects.filter(pk=pharmacy.pk)


def _return_path(request: HttpRequest) -> str:
    """The list a person came from (`retour`), so that the way back keeps its filters.

    A path of this site only (the one check, `local_url_or`); anything else is
    dropped and the page falls back to its own list.
    """
    value = request.POST.get("retour") or request.GET.get("retour") or ""
    return local_url_or(request, value if value.startswith("/") else None, "")


# --- Rejection worklist -------------------------------------------------------------


@pharmacy_view
@require_http_methods(["GET", "POST"])
def rejection_list(request: HttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    return rejection_worklist_response(request, pharmacies=_only(pharmacy), pharmacy=pharmacy)


# --- Unpaid worklist ----------------------------------------------------------------


@pharmacy_view
@require_http_methods(["GET", "POST"])
def unpaid_list(request: HttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    return unpaid_worklist_response(request, pharmacies=_only(pharmacy), pharmacy=pharmacy)


# --- Rejection file -----------------------------------------------------------------


def _rejection_or_404(pharmacy: Pharmacy, pk: int) -> Rejection:
    try:
        return selectors.rejection_for_detail(pharmacies=_only(pharmacy), pk=pk)
    except Rejection.DoesNotExist:
        raise Http404("Rejet introuvable") from None


def _panel_context(request: HttpRequest, rejection: Rejection, **extra) -> dict:
    pharmacy = rejection.pharmacy
    can_work = services.user_can_work(user=request.user, pharmacy=pharmacy)
    resolvable = can_work and rejection.status in services.RESOLVABLE_STATUSES
    # What the "Traiter ce rejet" card does in one action is not offered twice as a step.
    covered = services.RESOLVE_COVERS if resolvable else ()
    transitions = [
        (status, services.action_label(from_status=rejection.status, to_status=status))
        for status in services.allowed_transitions(rejection.status)
        if status not in covered
    ]
    return {
        "pharmacy": pharmacy,
        "rejection": rejection,
        "can_work": can_work,
        "transitions": transitions if can_work else [],
        "needs_invoice": RejectionStatus.REINVOICED,
        "needs_reason": RejectionStatus.WRITTEN_OFF,
        "show_handler": pharmacy.delegation_mode == DelegationMode.PARTIAL,
        "can_set_handler": request.user.is_backoffice
        and pharmacy.delegation_mode == DelegationMode.PARTIAL,
        "handler_form": HandlerForm(initial={"handled_by": rejection.handled_by}),
        "assign_form": AssignForm(
            assignees=services.assignable_users(pharmacies=_only(pharmacy)),
            initial={"assignee": rejection.assignee_id},
        ),
        "comment_form": CommentForm(),
        "attachment_form": AttachmentForm(),
        "history": selectors.rejection_history(rejection=rejection),
        "audit_history": selectors.rejection_file_history(pharmacy=pharmacy, rejection=rejection),
        "attachments": selectors.rejection_attachments(rejection=rejection),
        "retour": _return_path(request),
        "resolvable": resolvable,
        "other_payer": services.other_payer_kind(rejection.claim.payer_kind),
        **extra,
    }


def _panel_response(request: HttpRequest, rejection: Rejection, *, error: str = "", success: str = ""):
    """After an action: the panel fragment for HTMX, a redirect with a message otherwise."""
    if request.htmx:
        rejection = _rejection_or_404(rejection.pharmacy, rejection.pk)
        context = _panel_context(request, rejection, error=error, success=success)
        return TemplateResponse(request, "rejections/detail.html#panel", context)
    if error:
        messages.error(request, error)
    elif success:
        messages.success(request, success)
    return _detail_redirect(request, rejection)


def _detail_redirect(request: HttpRequest, rejection: Rejection) -> HttpResponseRedirect:
    url = reverse("rejections:detail", args=[rejection.pharmacy_id, rejection.pk])
    retour = _return_path(request)
    return HttpResponseRedirect(f"{url}?{urlencode({'retour': retour})}" if retour else url)


@pharmacy_view
@require_GET
def rejection_detail(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> TemplateResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    patient_access_log(user=request.user, claim=rejection.claim, page="rejections:detail")
    template = "rejections/detail.html#panel" if wants_partial(request) else "rejections/detail.html"
    return TemplateResponse(request, template, _panel_context(request, rejection))


@pharmacy_view
@require_POST
def rejection_change_status(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, rejection, error=first_error(form))
    try:
        rejection = services.rejection_transition(
            rejection=rejection,
            to_status=form.cleaned_data["to_status"],
            actor=request.user,
            new_invoice_number=form.cleaned_data["new_invoice_number"],
            write_off_reason=form.cleaned_data["write_off_reason"],
        )
    except ValidationError as error:
        return _panel_response(request, rejection, error=validation_message(error))
    return _panel_response(
        request, rejection, success=f"Statut : {rejection.get_status_display()}."
    )


def _outcome_message(rejection: Rejection, outcome: str) -> str:
    invoice = rejection.claim.invoice_number
    if outcome == services.Outcome.REINVOICED:
        return f"Facture {invoice} refacturée sous le n° {rejection.new_invoice_number}."
    if outcome == services.Outcome.LOST:
        return f"Facture {invoice} passée en perte ; rejet clos."
    return f"Facture {invoice} envoyée à l'autre payeur ({services.other_payer_kind(rejection.claim.payer_kind)})."


@pharmacy_view
@require_POST
def rejection_resolve(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    """One action from the worklist's row (HTMX: the row comes back) or from the file
    (back to the list the person came from, filters kept)."""
    rejection = _rejection_or_404(pharmacy, pk)
    form = ResolveForm(request.POST)
    error = success = ""
    if not form.is_valid():
        error = first_error(form)
    else:
        outcome = form.cleaned_data["outcome"]
        try:
            rejection = services.rejection_resolve(
                rejection=rejection, outcome=outcome, actor=request.user,
                new_invoice_number=form.cleaned_data["new_invoice_number"],
                write_off_reason=form.cleaned_data["write_off_reason"],
            )
        except ValidationError as exc:
            error = validation_message(exc)
        else:
            success = _outcome_message(rejection, outcome)
    if request.htmx and request.POST.get("ligne"):
        return TemplateResponse(
            request,
            "rejections/_row.html",
            {
                "r": _rejection_or_404(pharmacy, pk),
                "multi": request.POST.get("multi") == "1",
                "can_work": services.user_can_work(user=request.user, pharmacy=pharmacy),
                "back_url": _return_path(request),
                "row_error": error,
                "row_success": success,
            },
        )
    if error:
        messages.error(request, error)
        return _detail_redirect(request, rejection)
    messages.success(request, success)
    return redirect(_return_path(request) or reverse("rejections:list", args=[pharmacy.pk]))


@pharmacy_view
@require_POST
def rejection_assign(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    form = AssignForm(request.POST, assignees=services.assignable_users(pharmacies=_only(pharmacy)))
    if not form.is_valid():
        return _panel_response(request, rejection, error=first_error(form))
    try:
        services.rejection_assign(
            rejection=rejection, assignee=form.cleaned_data["assignee"], actor=request.user
        )
    except ValidationError as error:
        return _panel_response(request, rejection, error=validation_message(error))
    return _panel_response(request, rejection, success="Attribution enregistrée.")


@pharmacy_view
@require_POST
def rejection_set_handler(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    form = HandlerForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, rejection, error=first_error(form))
    try:
        services.rejection_set_handler(
            rejection=rejection, handled_by=form.cleaned_data["handled_by"], actor=request.user
        )
    except ValidationError as error:
        return _panel_response(request, rejection, error=validation_message(error))
    return _panel_response(request, rejection, success="Répartition enregistrée.")


@pharmacy_view
@require_POST
def rejection_add_comment(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, rejection, error=first_error(form))
    try:
        services.rejection_comment(rejection=rejection, actor=request.user, text=form.cleaned_data["text"])
    except ValidationError as error:
        return _panel_response(request, rejection, error=validation_message(error))
    return _panel_response(request, rejection, success="Commentaire ajouté.")


@pharmacy_view
@require_POST
def rejection_add_attachment(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _panel_response(request, rejection, error=first_error(form))
    try:
        services.rejection_attach(
            rejection=rejection, actor=request.user, uploaded_file=form.cleaned_data["file"]
        )
    except ValidationError as error:
        return _panel_response(request, rejection, error=validation_message(error))
    return _panel_response(request, rejection, success="Pièce jointe ajoutée.")


@pharmacy_view
@require_GET
def attachment_download(
    request: HttpRequest, pharmacy: Pharmacy, pk: int, attachment_id: int
) -> FileResponse:
    """The only way to a stored document: through the access rule (no public /media/ URL)."""
    try:
        attachment = Attachment.objects.get(pharmacy=pharmacy, rejection_id=pk, pk=attachment_id)
    except Attachment.DoesNotExist:
        raise Http404("Pièce jointe introuvable") from None
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=request.GET.get("telecharger") == "1",
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
