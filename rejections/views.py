"""Rejection and unpaid-claim pages: worklists, the rejection file and its actions.

The worklists are one implementation for pharmacy staff and the Backoffice:
`rejection_worklist_response` / `unpaid_worklist_response` take the set of
pharmacies to list (one pharmacy here; every visible pharmacy on the
Backoffice's cross-pharmacy page) and serve the page, its HTMX partial, the
bulk actions (POST) and the Excel export, at whatever URL mounts them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims.models import Claim
from pharmacies.access import pharmacy_view
from pharmacies.models import DelegationMode, Pharmacy
from pharmacies.redirects import local_url_or
from claims.patient_access import patient_access_log
from rejections import selectors, services
from rejections.forms import (
    AssignForm,
    AttachmentForm,
    CommentForm,
    HandlerForm,
    RejectionBulkForm,
    ResolveForm,
    TransitionForm,
    UnpaidBulkForm,
)
from rejections.models import Attachment, ReasonCategory, Rejection, RejectionStatus
from rejections.worklist import (
    AGE_BUCKETS,
    PAGE_SIZE,
    REJECTION_STATUS_CHOICES,
    WorklistState,
    parse_rejection_state,
    parse_unpaid_state,
)
from reports.exports import Column, Sheet, workbook_response


def _only(pharmacy: Pharmacy) -> QuerySet[Pharmacy]:
    return Pharmacy.objects.filter(pk=pharmacy.pk)


def _wants_partial(request: HttpRequest) -> bool:
    # A history restore needs the whole page, not the fragment.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "Formulaire invalide."


def _validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _return_path(request: HttpRequest) -> str:
    """The list a person came from (`retour`), so that the way back keeps its filters.

    A path of this site only (the one check, `local_url_or`); anything else is
    dropped and the page falls back to its own list.
    """
    value = request.POST.get("retour") or request.GET.get("retour") or ""
    return local_url_or(request, value if value.startswith("/") else None, "")


def _results_response(request: HttpRequest, template: str, context: dict, state: WorklistState):
    # The address bar gets the canonical URL (no empty parameters), so a shared
    # link or the back button gives the same list.
    response = TemplateResponse(request, template, context)
    response["HX-Push-Url"] = request.path + state.querystring()
    return response


# --- Rejection worklist -------------------------------------------------------------


def _rejection_export(rows: QuerySet[Rejection]) -> FileResponse:
    columns = [
        Column("Pharmacie", 24), Column("N° facture", 12), Column("Payeur", 28),
        Column("Patient", 24), Column("Code rejet", 12), Column("Motif", 40),
        Column("Catégorie", 22), Column("Rejeté le", 12, "date"), Column("Montant", 12, "money"),
        Column("Statut", 18), Column("Attribué à", 18), Column("Opérateur", 10),
        Column("Nouvelle facture", 12),
    ]
    data = (
        [
            r.pharmacy.name, r.claim.invoice_number, str(r.claim.organism), r.claim.patient_name,
            r.reason.code, r.reason.label, r.reason.get_category_display(), r.rejected_on,
            r.amount, r.get_status_display(),
            (r.assignee.get_full_name() or r.assignee.username) if r.assignee else "",
            r.claim.operator_code, r.new_invoice_number,
        ]
        for r in rows.iterator(chunk_size=2000)
    )
    return workbook_response("rejets.xlsx", [Sheet("Rejets", columns, data)])


def _rejection_bulk(
    request: HttpRequest, *, pharmacies: QuerySet[Pharmacy], state: WorklistState
) -> HttpResponse:
    assignees = services.assignable_users(pharmacies=pharmacies)
    form = RejectionBulkForm(request.POST, assignees=assignees)
    back = HttpResponseRedirect(request.get_full_path())
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return back
    listed = selectors.rejection_worklist(pharmacies=pharmacies, state=state, user=request.user)
    ids = form.cleaned_data["ids"]
    action = form.cleaned_data["action"]
    if action == "export":
        # No tick: the whole filtered list.
        return _rejection_export(listed.filter(pk__in=ids) if ids else listed)
    if not ids:
        messages.warning(request, "Cochez au moins un rejet.")
        return back
    # Ids from the form, but only within the pharmacies this page may show.
    selected = Rejection.objects.filter(pharmacy__in=pharmacies, pk__in=ids)
    try:
        if action == "assign":
            count = services.rejections_bulk_assign(
                rejections=selected, assignee=form.cleaned_data["assignee"], actor=request.user
            )
            messages.success(request, f"{count} rejet(s) attribué(s).")
        else:
            moved, refused = services.rejections_bulk_transition(
                rejections=selected,
                to_status=form.cleaned_data["to_status"],
                actor=request.user,
                write_off_reason=form.cleaned_data["write_off_reason"],
            )
            messages.success(request, f"{moved} rejet(s) mis à jour.")
            if refused:
                messages.warning(
                    request, f"{refused} rejet(s) non modifié(s) : ce passage de statut leur est impossible."
                )
    except ValidationError as error:
        messages.error(request, _validation_message(error))
    return back


def rejection_worklist_response(
    request: HttpRequest,
    *,
    pharmacies: QuerySet[Pharmacy],
    pharmacy: Pharmacy | None = None,
    title: str = "Rejets",
) -> HttpResponse:
    """The rejection worklist over `pharmacies` (already restricted by the access rule).

    `pharmacy=None` means a cross-pharmacy list: a "Pharmacie" column and filter appear.
    """
    state = parse_rejection_state(request.GET)
    if request.method == "POST":
        return _rejection_bulk(request, pharmacies=pharmacies, state=state)
    rows = selectors.rejection_worklist(pharmacies=pharmacies, state=state, user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(state.page)
    context = {
        "title": title,
        "pharmacy": pharmacy,
        "multi": pharmacy is None,
        "state": state,
        "page": page,
        # Where a file opened from this list leads back to: this very list, filters kept.
        "back_url": request.path + state.querystring(),
        "totals": selectors.worklist_totals(rows, "amount"),
        # Under total delegation the pharmacy's staff may only export.
        "can_work": services.user_can_work(user=request.user, pharmacy=pharmacy)
        if pharmacy is not None
        else request.user.is_backoffice,
        "assignees": services.assignable_users(pharmacies=pharmacies),
        "bulk_status_choices": RejectionBulkForm.base_fields["to_status"].choices[1:],
    }
    if _wants_partial(request):
        return _results_response(request, "rejections/worklist.html#results", context, state)
    context.update(
        selectors.worklist_filter_choices(pharmacies=pharmacies),
        pharmacies=pharmacies if pharmacy is None else None,
        status_choices=REJECTION_STATUS_CHOICES,
        category_choices=ReasonCategory.choices,
        age_choices=[(k, v[0]) for k, v in AGE_BUCKETS.items()],
    )
    return TemplateResponse(request, "rejections/worklist.html", context)


@pharmacy_view
@require_http_methods(["GET", "POST"])
def rejection_list(request: HttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    return rejection_worklist_response(request, pharmacies=_only(pharmacy), pharmacy=pharmacy)


# --- Unpaid worklist ----------------------------------------------------------------


def _unpaid_export(rows: QuerySet[Claim]) -> FileResponse:
    columns = [
        Column("Pharmacie", 24), Column("N° facture", 12), Column("Payeur", 28),
        Column("Type", 6), Column("Patient", 24), Column("Transmise le", 12, "date"),
        Column("Impayée depuis", 12, "date"), Column("Montant dû", 12, "money"),
        Column("Opérateur", 10), Column("Relance", 18),
    ]
    labels = {"requested": "Demandée", "sent": "Envoyée", "cancelled": "Annulée"}
    data = (
        [
            c.pharmacy.name, c.invoice_number, str(c.organism), c.payer_kind, c.patient_name,
            c.transmission_date, c.unpaid_since, c.outstanding, c.operator_code,
            labels.get(c.follow_up_status or "", ""),
        ]
        for c in rows.iterator(chunk_size=2000)
    )
    return workbook_response("impayes.xlsx", [Sheet("Impayés", columns, data)])


def _unpaid_bulk(
    request: HttpRequest, *, pharmacies: QuerySet[Pharmacy], state: WorklistState
) -> HttpResponse:
    form = UnpaidBulkForm(request.POST)
    back = HttpResponseRedirect(request.get_full_path())
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return back
    listed = selectors.unpaid_worklist(pharmacies=pharmacies, state=state, user=request.user)
    ids = form.cleaned_data["ids"]
    if form.cleaned_data["action"] == "export":
        return _unpaid_export(listed.filter(pk__in=ids) if ids else listed)
    if not ids:
        messages.warning(request, "Cochez au moins une facture.")
        return back
    count = services.unpaid_reminders_request(
        claims=Claim.objects.filter(pharmacy__in=pharmacies, pk__in=ids),
        actor=request.user,
        note=form.cleaned_data["note"],
    )
    messages.success(request, f"{count} relance(s) demandée(s) au Backoffice.")
    return back


def unpaid_worklist_response(
    request: HttpRequest,
    *,
    pharmacies: QuerySet[Pharmacy],
    pharmacy: Pharmacy | None = None,
    title: str = "Impayés",
) -> HttpResponse:
    """The unpaid-claim worklist over `pharmacies`; same contract as the rejection one."""
    state = parse_unpaid_state(request.GET)
    if request.method == "POST":
        return _unpaid_bulk(request, pharmacies=pharmacies, state=state)
    rows = selectors.unpaid_worklist(pharmacies=pharmacies, state=state, user=request.user)
    page = selectors.page_sorted_by_ids(rows, number=state.page, per_page=PAGE_SIZE)
    context = {
        "title": "Factures en attente de paiement" if state.vue == "ouvertes" else title,
        "pharmacy": pharmacy,
        "multi": pharmacy is None,
        "state": state,
        "page": page,
        "totals": selectors.worklist_totals(rows, "outstanding"),
    }
    if _wants_partial(request):
        return _results_response(request, "rejections/unpaid.html#results", context, state)
    context.update(
        selectors.worklist_filter_choices(pharmacies=pharmacies),
        pharmacies=pharmacies if pharmacy is None else None,
        age_choices=[(k, v[0]) for k, v in AGE_BUCKETS.items()],
    )
    return TemplateResponse(request, "rejections/unpaid.html", context)


@pharmacy_view
@require_http_methods(["GET", "POST"])
def unpaid_list(request: HttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    return unpaid_worklist_response(request, pharmacies=_only(pharmacy), pharmacy=pharmacy)


# --- Rejection file -----------------------------------------------------------------


def _rejection_or_404(pharmacy: Pharmacy, pk: int) -> Rejection:
    try:
        return selectors.rejection_for_detail(pharmacies=_only(pharmacy), pk=pk)
    except Rejection.DoesNotExist:
        raise Http404("Rejet introuvable")


def _panel_context(request: HttpRequest, rejection: Rejection, **extra) -> dict:
    pharmacy = rejection.pharmacy
    can_work = services.user_can_work(user=request.user, pharmacy=pharmacy)
    transitions = [
        (status, services.action_label(from_status=rejection.status, to_status=status))
        for status in services.allowed_transitions(rejection.status)
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
        "resolvable": can_work and rejection.status in services.RESOLVABLE_STATUSES,
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
    template = "rejections/detail.html#panel" if _wants_partial(request) else "rejections/detail.html"
    return TemplateResponse(request, template, _panel_context(request, rejection))


@pharmacy_view
@require_POST
def rejection_change_status(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, rejection, error=_first_error(form))
    try:
        rejection = services.rejection_transition(
            rejection=rejection,
            to_status=form.cleaned_data["to_status"],
            actor=request.user,
            new_invoice_number=form.cleaned_data["new_invoice_number"],
            write_off_reason=form.cleaned_data["write_off_reason"],
        )
    except ValidationError as error:
        return _panel_response(request, rejection, error=_validation_message(error))
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
        error = _first_error(form)
    else:
        outcome = form.cleaned_data["outcome"]
        try:
            rejection = services.rejection_resolve(
                rejection=rejection, outcome=outcome, actor=request.user,
                new_invoice_number=form.cleaned_data["new_invoice_number"],
                write_off_reason=form.cleaned_data["write_off_reason"],
            )
        except ValidationError as exc:
            error = _validation_message(exc)
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
        return _panel_response(request, rejection, error=_first_error(form))
    try:
        services.rejection_assign(
            rejection=rejection, assignee=form.cleaned_data["assignee"], actor=request.user
        )
    except ValidationError as error:
        return _panel_response(request, rejection, error=_validation_message(error))
    return _panel_response(request, rejection, success="Attribution enregistrée.")


@pharmacy_view
@require_POST
def rejection_set_handler(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    form = HandlerForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, rejection, error=_first_error(form))
    try:
        services.rejection_set_handler(
            rejection=rejection, handled_by=form.cleaned_data["handled_by"], actor=request.user
        )
    except ValidationError as error:
        return _panel_response(request, rejection, error=_validation_message(error))
    return _panel_response(request, rejection, success="Répartition enregistrée.")


@pharmacy_view
@require_POST
def rejection_add_comment(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, rejection, error=_first_error(form))
    try:
        services.rejection_comment(rejection=rejection, actor=request.user, text=form.cleaned_data["text"])
    except ValidationError as error:
        return _panel_response(request, rejection, error=_validation_message(error))
    return _panel_response(request, rejection, success="Commentaire ajouté.")


@pharmacy_view
@require_POST
def rejection_add_attachment(request: HttpRequest, pharmacy: Pharmacy, pk: int) -> HttpResponse:
    rejection = _rejection_or_404(pharmacy, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _panel_response(request, rejection, error=_first_error(form))
    try:
        services.rejection_attach(
            rejection=rejection, actor=request.user, uploaded_file=form.cleaned_data["file"]
        )
    except ValidationError as error:
        return _panel_response(request, rejection, error=_validation_message(error))
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
        raise Http404("Pièce jointe introuvable")
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=request.GET.get("telecharger") == "1",
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
