"""The worklists as pages any app can mount, and the small helpers the rejections' views share.

The worklists are one implementation for pharmacy staff and the Backoffice:
`rejection_worklist_response` / `unpaid_worklist_response` take the set of
pharmacies to list (one pharmacy on the pharmacy's pages; every visible pharmacy on
the Backoffice's cross-pharmacy queue) and serve the page, its HTMX partial, the
bulk actions (POST) and the Excel export, at whatever URL mounts them. They live
here, not in a views module, so that views import no other views.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from claims.models import Claim
from core.xlsx import XLSX_CONTENT_TYPE, Column, Sheet, spooled_workbook
from pharmacies.models import Pharmacy
from rejections import selectors, services
from rejections.forms import RejectionBulkForm, UnpaidBulkForm
from rejections.models import ReasonCategory, Rejection
from rejections.worklist import (
    AGE_BUCKETS,
    PAGE_SIZE,
    REJECTION_STATUS_CHOICES,
    WorklistState,
    parse_rejection_state,
    parse_unpaid_state,
)


def wants_partial(request: HttpRequest) -> bool:
    # A history restore needs the whole page, not the fragment.
    return bool(request.htmx) and not request.htmx.history_restore_request


def first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "Formulaire invalide."


def validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _results_response(request: HttpRequest, template: str, context: dict, state: WorklistState):
    # The address bar gets the canonical URL (no empty parameters), so a shared
    # link or the back button gives the same list; never the patient search.
    response = TemplateResponse(request, template, context)
    response["HX-Push-Url"] = request.path + state.address()
    return response


# --- Rejection worklist -------------------------------------------------------------


def _download(filename: str, sheets: list[Sheet]) -> FileResponse:
    # The workbook is spooled to a temporary file by the one writer (core.xlsx).
    return FileResponse(
        spooled_workbook(sheets), as_attachment=True, filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )


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
    return _download("rejets.xlsx", [Sheet("Rejets", columns, data)])


def _rejection_bulk(
    request: HttpRequest, *, pharmacies: QuerySet[Pharmacy], state: WorklistState
) -> HttpResponse:
    assignees = services.assignable_users(pharmacies=pharmacies)
    form = RejectionBulkForm(request.POST, assignees=assignees)
    back = HttpResponseRedirect(request.get_full_path())
    if not form.is_valid():
        messages.error(request, first_error(form))
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
        messages.error(request, validation_message(error))
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
        "back_url": request.path + state.address(),
        "totals": selectors.worklist_totals(rows, "amount"),
        # Under total delegation the pharmacy's staff may only export.
        "can_work": services.user_can_work(user=request.user, pharmacy=pharmacy)
        if pharmacy is not None
        else request.user.is_backoffice,
        "assignees": services.assignable_users(pharmacies=pharmacies),
        "bulk_status_choices": RejectionBulkForm.base_fields["to_status"].choices[1:],
    }
    if wants_partial(request):
        return _results_response(request, "rejections/worklist.html#results", context, state)
    context.update(
        selectors.worklist_filter_choices(pharmacies=pharmacies),
        pharmacies=pharmacies if pharmacy is None else None,
        status_choices=REJECTION_STATUS_CHOICES,
        category_choices=ReasonCategory.choices,
        age_choices=[(k, v[0]) for k, v in AGE_BUCKETS.items()],
    )
    return TemplateResponse(request, "rejections/worklist.html", context)


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
    return _download("impayes.xlsx", [Sheet("Impayés", columns, data)])


def _unpaid_bulk(
    request: HttpRequest, *, pharmacies: QuerySet[Pharmacy], state: WorklistState
) -> HttpResponse:
    form = UnpaidBulkForm(request.POST)
    back = HttpResponseRedirect(request.get_full_path())
    if not form.is_valid():
        messages.error(request, first_error(form))
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
    if wants_partial(request):
        return _results_response(request, "rejections/unpaid.html#results", context, state)
    context.update(
        selectors.worklist_filter_choices(pharmacies=pharmacies),
        pharmacies=pharmacies if pharmacy is None else None,
        age_choices=[(k, v[0]) for k, v in AGE_BUCKETS.items()],
    )
    return TemplateResponse(request, "rejections/unpaid.html", context)
