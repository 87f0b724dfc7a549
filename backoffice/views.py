"""Backoffice pages: portfolio, pharmacy workspace (reminders, contacts, time, split of
rejections, diagnostic), letter templates and the supervisor's view."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from backoffice import services
from backoffice.diagnostic import diagnostic_compute
from backoffice.forms import (
    ContactLogForm,
    DelegationForm,
    DelegationRulesForm,
    LetterTemplateForm,
    ReassignForm,
    ReminderForm,
    TimeEntryForm,
)
from backoffice.models import DelegationRule, LetterTemplate, Reminder
from backoffice.reminders import reminder_create
from backoffice.selectors import (
    REMINDER_CLAIMS_PER_PAYER,
    contact_logs_for,
    delegable_pharmacies,
    delegation_history,
    managers,
    organisms_with_candidates,
    payer_claims_page,
    portfolio_rows,
    reminder_candidates,
    reminder_claims,
    reminder_groups,
    reminder_summary,
    reminders_for,
    running_time_entry,
    supervision_overview,
    time_entries_for,
)
from pharmacies.access import (
    backoffice_view,
    pharmacy_or_404,
    pharmacy_view,
    supervisor_view,
    visible_pharmacies,
)
from pharmacies.models import DelegationMode, Pharmacy, User
from pharmacies.row_security import database_scope
from rejections.pages import rejection_worklist_response, unpaid_worklist_response
from reports.figures import WORDS
from reports.pdf import render_pdf

SORTS = {
    "name": "Pharmacie", "mode": "Délégation", "risk": WORDS["at_risk"][0],
    "rejections": "Rejets à traiter", "unpaid": WORDS["overdue"][0], "rate": "Taux de rejet",
    "bank": "Lignes bancaires", "hours": "Heures", "activity": "Dernière activité",
}

# The columns that are figures of reports.figures carry their definition as a tooltip.
HEADER_HELP = {"risk": WORDS["at_risk"][1], "unpaid": WORDS["overdue"][1]}


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


def backoffice_pharmacy_view(view: Callable) -> Callable:
    """Under /backoffice/pharmacies/<pharmacy_id>/: Backoffice users only, the pharmacy
    loaded through the access rule (404 outside it)."""
    return backoffice_view(pharmacy_view(view))


def _sort_param(request: HttpRequest, default: str) -> str:
    sort = request.GET.get("tri", default)
    return sort if sort.lstrip("-") in SORTS else default


def _sort_headers(sort: str) -> list[dict]:
    """Each column's link: a click sorts by it, a second click reverses."""
    current = sort.lstrip("-")
    headers = []
    for key, label in SORTS.items():
        descending = sort.startswith("-")
        next_sort = key if (current == key and descending) else f"-{key}"
        if key == "name" and current != "name":
            next_sort = "name"
        headers.append(
            {"key": key, "label": label, "sort": next_sort, "active": current == key,
             "descending": descending, "numeric": key not in {"name", "mode", "activity"},
             "help": HEADER_HELP.get(key, "")}
        )
    return headers


@backoffice_view
def portfolio(request: HttpRequest) -> TemplateResponse:
    sort = _sort_param(request, "-risk")
    context = {
        "rows": portfolio_rows(pharmacies=visible_pharmacies(request.user), sort=sort),
        "sort": sort,
        "headers": _sort_headers(sort),
        "today": timezone.localdate(),
    }
    template = "backoffice/portfolio.html#table" if request.htmx else "backoffice/portfolio.html"
    return TemplateResponse(request, template, context)


@backoffice_pharmacy_view
def pharmacy_home(request: HttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    rows = portfolio_rows(pharmacies=Pharmacy.objects.filter(pk=pharmacy.pk))
    return TemplateResponse(
        request,
        "backoffice/pharmacy.html",
        {
            "pharmacy": pharmacy,
            "row": rows[0],
            "reminders": reminders_for(pharmacy=pharmacy)[:5],
            "contacts": contact_logs_for(pharmacy=pharmacy)[:5],
        },
    )


# --- Cross-pharmacy work queue: the staff worklists, mounted over every visible pharmacy --


def _prioritised(request: HttpRequest) -> HttpRequest:
    """The Backoffice works the biggest amounts first, then the oldest: the queue's default sort."""
    if "tri" not in request.GET:
        request.GET = request.GET.copy()
        request.GET["tri"] = "priorite"
    return request


@backoffice_view
@require_http_methods(["GET", "POST"])
def work_queue(request: HttpRequest) -> HttpResponse:
    return rejection_worklist_response(
        _prioritised(request),
        pharmacies=visible_pharmacies(request.user),
        title="File de travail · rejets",
    )


@backoffice_view
@require_http_methods(["GET", "POST"])
def work_queue_unpaid(request: HttpRequest) -> HttpResponse:
    return unpaid_worklist_response(
        _prioritised(request),
        pharmacies=visible_pharmacies(request.user),
        title="File de travail · impayés",
    )


# --- Reminders (relances) -------------------------------------------------------------


RECENT_REMINDERS = 20


@backoffice_pharmacy_view
def reminders(request: HttpRequest, pharmacy: Pharmacy) -> TemplateResponse | HttpResponseRedirect:
    """Payers to remind, one letter each: a page of payers (biggest amount owed first, then
    the oldest claim) with their biggest claims, or one payer's claims page by page
    (`?organisme=`); the letter's action stays at the top."""
    organism_id = request.GET.get("organisme") or request.POST.get("organisme") or ""
    organism_id = int(organism_id) if organism_id.isdigit() else None
    form = ReminderForm(
        request.POST or None,
        candidates=reminder_candidates(pharmacy=pharmacy),
    )  # the first letter template is the one selected (no empty choice)
    if request.method == "POST" and form.is_valid():
        ticked = form.cleaned_data["claims"]
        payers = form.cleaned_data["tout"]
        try:
            reminder = reminder_create(
                pharmacy=pharmacy,
                claims=pharmacy.claims.filter(Q(pk__in=ticked.values("pk")) | Q(organism_id__in=payers)),
                template=form.cleaned_data["template"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            payer = reminder.organism.name or reminder.organism.code
            messages.success(
                request,
                (f"Lettre de relance générée pour {payer}" if reminder.pdf else
                 f"Relance enregistrée pour {payer} ; la lettre est en préparation")
                + f" ; prochaine relance le {reminder.next_on:%d/%m/%Y}.",
            )
            return redirect("backoffice:reminder_detail", pharmacy.pk, reminder.pk)
    groups = reminder_groups(
        pharmacy=pharmacy, page=1 if organism_id else request.GET.get("page"), organism_id=organism_id,
        # One payer's page lists its claims page by page below, not in the group.
        per_payer=0 if organism_id else REMINDER_CLAIMS_PER_PAYER,
    )
    payer_claims = None
    if organism_id and groups.object_list:
        payer_claims = payer_claims_page(
            pharmacy=pharmacy, organism_id=organism_id, page=request.GET.get("page")
        )
        groups.object_list[0].claims = list(payer_claims.object_list)
    return TemplateResponse(
        request,
        "backoffice/reminders.html",
        {
            "pharmacy": pharmacy,
            "form": form,
            "groups": groups,
            "payer_claims": payer_claims,
            "summary": reminder_summary(pharmacy=pharmacy),
            "claim_words": WORDS["to_claim_from_payer"],  # what may be reminded, in the figures' words
            "organisms": organisms_with_candidates(pharmacy=pharmacy),
            "organism_id": organism_id,
            "reminders": reminders_for(pharmacy=pharmacy)[:RECENT_REMINDERS],
        },
    )


def _reminder_or_404(pharmacy: Pharmacy, reminder_id: int) -> Reminder:
    return get_object_or_404(reminders_for(pharmacy=pharmacy), pk=reminder_id)


@backoffice_pharmacy_view
def reminder_detail(request: HttpRequest, pharmacy: Pharmacy, reminder_id: int) -> TemplateResponse:
    reminder = _reminder_or_404(pharmacy, reminder_id)
    return TemplateResponse(
        request,
        "backoffice/reminder_detail.html",
        {
            "pharmacy": pharmacy,
            "reminder": reminder,
            "claims": reminder_claims(reminder=reminder),
        },
    )


@backoffice_pharmacy_view
def reminder_pdf(request: HttpRequest, pharmacy: Pharmacy, reminder_id: int) -> FileResponse:
    reminder = _reminder_or_404(pharmacy, reminder_id)
    if not reminder.pdf:
        raise Http404("Lettre introuvable")
    return FileResponse(
        reminder.pdf.open("rb"),
        as_attachment=True,
        filename=f"relance-{reminder.sent_on:%Y%m%d}-{reminder.organism.code}.pdf",
        content_type="application/pdf",
    )


# --- Contacts with payers ---------------------------------------------------------------


@backoffice_pharmacy_view
def contacts(request: HttpRequest, pharmacy: Pharmacy) -> TemplateResponse | HttpResponseRedirect:
    form = ContactLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_log_add(pharmacy=pharmacy, actor=request.user, **form.cleaned_data)
        messages.success(request, "Contact enregistré.")
        return redirect("backoffice:contacts", pharmacy.pk)
    organism_id = request.GET.get("organisme")
    return TemplateResponse(
        request,
        "backoffice/contacts.html",
        {
            "pharmacy": pharmacy,
            "form": form,
            "logs": contact_logs_for(
                pharmacy=pharmacy, organism_id=int(organism_id) if (organism_id or "").isdigit() else None
            ),
        },
    )


# --- Time spent -----------------------------------------------------------------------


@backoffice_pharmacy_view
def time_entries(request: HttpRequest, pharmacy: Pharmacy) -> TemplateResponse | HttpResponseRedirect:
    form = TimeEntryForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start":
            services.time_entry_start(pharmacy=pharmacy, manager=request.user)
            return redirect("backoffice:time", pharmacy.pk)
        if action == "stop":
            services.time_entry_stop(pharmacy=pharmacy, manager=request.user)
            return redirect("backoffice:time", pharmacy.pk)
        if form.is_valid():
            services.time_entry_add(pharmacy=pharmacy, manager=request.user, **form.cleaned_data)
            messages.success(request, "Temps enregistré.")
            return redirect("backoffice:time", pharmacy.pk)
    rows = portfolio_rows(pharmacies=Pharmacy.objects.filter(pk=pharmacy.pk))
    return TemplateResponse(
        request,
        "backoffice/time.html",
        {
            "pharmacy": pharmacy,
            "form": form,
            "row": rows[0],
            "entries": time_entries_for(pharmacy=pharmacy),
            "running": running_time_entry(pharmacy=pharmacy, manager=request.user),
        },
    )


# --- Split of rejections under partial delegation --------------------------------------


@backoffice_pharmacy_view
def delegation_rules(request: HttpRequest, pharmacy: Pharmacy) -> TemplateResponse | HttpResponseRedirect:
    current = dict(
        DelegationRule.objects.filter(pharmacy=pharmacy).values_list("category", "handled_by")
    )
    form = DelegationRulesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        if pharmacy.delegation_mode != DelegationMode.PARTIAL:
            raise Http404("Répartition réservée à la délégation partielle")
        changed = services.delegation_rules_save(
            pharmacy=pharmacy, rules=form.cleaned_data, actor=request.user
        )
        messages.success(request, f"Répartition enregistrée ; {changed} rejet(s) en cours réparti(s).")
        return redirect("backoffice:rules", pharmacy.pk)
    return TemplateResponse(
        request, "backoffice/delegation_rules.html",
        {"pharmacy": pharmacy, "form": form, "audit_history": delegation_history(pharmacy=pharmacy)},
    )


# --- Onboarding diagnostic ---------------------------------------------------------------


def _diagnosable_or_404(user: User, pharmacy_id: int) -> Pharmacy:
    """A supervisor diagnoses any pharmacy (before it is delegated); a manager, theirs."""
    if user.kind == User.Kind.SUPERVISOR:
        return get_object_or_404(delegable_pharmacies(user=user), pk=pharmacy_id)
    return pharmacy_or_404(user, pharmacy_id)


@backoffice_view
def diagnostic(request: HttpRequest, pharmacy_id: int) -> TemplateResponse:
    pharmacy = _diagnosable_or_404(request.user, pharmacy_id)
    # A pharmacy not yet delegated is outside the request's row-level security
    # scope: the diagnostic, just allowed above, reads that one pharmacy.
    with database_scope([pharmacy.pk]):
        return TemplateResponse(
            request,
            "backoffice/diagnostic.html",
            {"pharmacy": pharmacy, "d": diagnostic_compute(pharmacy=pharmacy)},
        ).render()


@backoffice_view
def diagnostic_pdf(request: HttpRequest, pharmacy_id: int) -> HttpResponse:
    pharmacy = _diagnosable_or_404(request.user, pharmacy_id)
    with database_scope([pharmacy.pk]):  # as in `diagnostic`
        pdf = render_pdf(
            "backoffice/diagnostic_pdf.html",
            {"pharmacy": pharmacy, "d": diagnostic_compute(pharmacy=pharmacy), "today": timezone.localdate()},
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="diagnostic-{pharmacy.finess}.pdf"'
    return response


# --- Letter templates -------------------------------------------------------------------


@backoffice_view
def letter_templates(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(
        request, "backoffice/letter_templates.html",
        {"templates": LetterTemplate.objects.all(), "can_edit": request.user.kind == User.Kind.SUPERVISOR},
    )


# Every manager's letters use these templates: the supervisor alone edits them.
@supervisor_view
def letter_template_edit(request: HttpRequest, template_id: int | None = None) -> TemplateResponse | HttpResponseRedirect:
    instance = get_object_or_404(LetterTemplate, pk=template_id) if template_id else None
    form = LetterTemplateForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        template = form.save(commit=False)
        template.updated_by = request.user
        template.save()
        messages.success(request, "Modèle de lettre enregistré.")
        return redirect("backoffice:letter_templates")
    return TemplateResponse(
        request, "backoffice/letter_template_form.html", {"form": form, "instance": instance}
    )


# --- Supervisor -------------------------------------------------------------------------


@supervisor_view
def supervision(request: HttpRequest) -> TemplateResponse:
    sort = _sort_param(request, "name")
    overview = supervision_overview(user=request.user, sort=sort)
    return TemplateResponse(
        request,
        "backoffice/supervision.html",
        {
            **overview,
            "sort": sort,
            # The supervisor compares load, not bank or rate details: fewer columns.
            "headers": [
                h for h in _sort_headers(sort)
                if h["key"] in {"name", "mode", "risk", "rejections", "unpaid", "hours"}
            ],
            "managers": managers(),
            "undelegated": delegable_pharmacies(user=request.user).filter(
                delegation_mode=DelegationMode.NONE
            ).order_by("name"),
        },
    )


@supervisor_view
@require_http_methods(["POST"])
def reassign(request: HttpRequest, pharmacy_id: int) -> HttpResponseRedirect:
    pharmacy = get_object_or_404(visible_pharmacies(request.user), pk=pharmacy_id)
    form = ReassignForm(request.POST)
    if form.is_valid():
        services.pharmacy_reassign(
            pharmacy=pharmacy, manager=form.cleaned_data["manager"], actor=request.user
        )
        manager = form.cleaned_data["manager"]
        messages.success(
            request, f"{pharmacy.name} est confiée à {manager.get_full_name() or manager.username}."
        )
    else:
        messages.error(request, "Choisissez un gestionnaire.")
    return redirect("backoffice:supervision")


@supervisor_view
def delegation_edit(request: HttpRequest, pharmacy_id: int) -> TemplateResponse | HttpResponseRedirect:
    pharmacy = get_object_or_404(delegable_pharmacies(user=request.user), pk=pharmacy_id)
    initial = {
        "mode": pharmacy.delegation_mode,
        "hours_per_month": pharmacy.delegation_hours_per_month,
        "start": pharmacy.delegation_start,
        "managers": list(pharmacy.manager_assignments.values_list("manager_id", flat=True)),
    }
    form = DelegationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.delegation_set(
            pharmacy=pharmacy, mode=data["mode"], hours_per_month=data["hours_per_month"],
            start=data["start"], managers=data["managers"], actor=request.user,
        )
        messages.success(request, f"Délégation de {pharmacy.name} enregistrée.")
        return redirect(reverse("backoffice:supervision"))
    return TemplateResponse(
        request, "backoffice/delegation_form.html",
        {"pharmacy": pharmacy, "form": form, "audit_history": delegation_history(pharmacy=pharmacy)},
    )

