"""Reconciliation pages: the review queue, a bank line's manual link, what is left unmatched."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from payments import selectors, services
from payments.forms import BankRuleForm, allocations_from
from payments.models import BankLine, BankRule, MatchProposal, PaymentSlip, Reconciliation
from pharmacies.access import AuthenticatedHttpRequest, pharmacy_view
from pharmacies.models import Pharmacy


def _partial(request: AuthenticatedHttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


@pharmacy_view
def review(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    template = "payments/review.html#queue" if _partial(request) else "payments/review.html"
    return TemplateResponse(request, template, {
        "pharmacy": pharmacy, "groups": selectors.proposals_open(pharmacy=pharmacy),
    })


@require_POST
@pharmacy_view
def proposal_decide(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, proposal_id: int,
                    decision: str) -> HttpResponse:
    proposal = get_object_or_404(MatchProposal, pharmacy=pharmacy, pk=proposal_id,
                                 status=MatchProposal.Status.OPEN)
    try:
        if decision == "accept":
            services.proposal_accept(pharmacy=pharmacy, proposal=proposal, user=request.user)
            messages.success(request, "Rapprochement enregistré.")
        else:
            services.proposal_dismiss(pharmacy=pharmacy, proposal=proposal, user=request.user)
            messages.info(request, "Proposition écartée.")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    if _partial(request):
        return review(request, pharmacy.pk)
    return redirect("payments:review", pharmacy.pk)


def _bank_line_context(pharmacy: Pharmacy, line: BankLine, allocations=(), errors=()) -> dict:
    allocated = sum((amount for _, amount in allocations), Decimal("0"))
    chosen = {slip.pk: amount for slip, amount in allocations}
    return {
        "pharmacy": pharmacy, "line": line,
        "links": selectors.reconciliations_of(pharmacy=pharmacy, bank_line=line),
        "slips": selectors.slips_unpaid(pharmacy=pharmacy),
        "chosen": chosen, "allocated": allocated, "errors": errors,
        "remainder": line.amount - line.matched_amount - allocated,
        # A callable: only the full page reads it, not the remainder fragment.
        "audit_history": partial(selectors.bank_line_history, pharmacy=pharmacy, bank_line=line),
    }


@require_http_methods(["GET", "POST"])
@pharmacy_view
def bank_line_link(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, bank_line_id: int) -> HttpResponse:
    """Link by hand: tick slips, adjust amounts (a split), watch the remainder count down."""
    line = get_object_or_404(BankLine, pharmacy=pharmacy, pk=bank_line_id)
    slips = PaymentSlip.objects.filter(pharmacy=pharmacy)
    if request.method == "POST":
        allocations, errors = allocations_from(request.POST, slips)
        if request.POST.get("preview"):
            return TemplateResponse(request, "payments/bank_line.html#remainder",
                                    _bank_line_context(pharmacy, line, allocations, errors))
        if not errors and allocations:
            try:
                services.reconciliation_link(pharmacy=pharmacy, bank_line=line,
                                             allocations=allocations, user=request.user)
                messages.success(request, "Rapprochement enregistré.")
                return redirect("payments:bank_line", pharmacy.pk, line.pk)
            except ValidationError as exc:
                errors = exc.messages
        if not allocations and not errors:
            errors = ["Cochez au moins un bordereau."]
        return TemplateResponse(request, "payments/bank_line.html",
                                _bank_line_context(pharmacy, line, allocations, errors), status=400)
    return TemplateResponse(request, "payments/bank_line.html", _bank_line_context(pharmacy, line))


@require_POST
@pharmacy_view
def reconciliation_unlink(request: AuthenticatedHttpRequest, pharmacy: Pharmacy,
                          reconciliation_id: int) -> HttpResponse:
    link = get_object_or_404(Reconciliation, pharmacy=pharmacy, pk=reconciliation_id)
    services.reconciliation_unlink(pharmacy=pharmacy, reconciliation=link, user=request.user)
    messages.info(request, "Lien supprimé : le traitement de nuit ne le refera pas.")
    return redirect("payments:bank_line", pharmacy.pk, link.bank_line_id)


def _kind_filter(value: str | None) -> str:
    """The "Hors tiers-payant" filter: a known kind other than insurer, or all."""
    valid = {k for k in BankLine.Kind.values if k != BankLine.Kind.INSURER}
    return value if value in valid else ""


def _unmatched_context(pharmacy: Pharmacy, kind: str) -> dict:
    counts = selectors.bank_line_kind_counts(pharmacy=pharmacy)
    return {
        "pharmacy": pharmacy,
        "bank_lines": selectors.unmatched_insurer_transfers(pharmacy=pharmacy)[:500],
        "slips": selectors.slips_unpaid(pharmacy=pharmacy)[:500],
        "totals": selectors.unmatched_totals(pharmacy=pharmacy),
        "outside": selectors.bank_lines_outside_tiers_payant(pharmacy=pharmacy, kind=kind or None)
        [:selectors.HORS_TIERS_PAYANT_LIMIT],
        "outside_limit": selectors.HORS_TIERS_PAYANT_LIMIT,
        "kind": kind,
        "kinds": [(value, label, counts.get(value, 0)) for value, label in BankLine.Kind.choices
                  if value != BankLine.Kind.INSURER],
        "outside_count": sum(n for k, n in counts.items() if k != BankLine.Kind.INSURER),
    }


@pharmacy_view
def unmatched(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    template = "payments/unmatched.html#lines" if _partial(request) else "payments/unmatched.html"
    return TemplateResponse(request, template,
                            _unmatched_context(pharmacy, _kind_filter(request.GET.get("nature"))))


@require_POST
@pharmacy_view
def bank_line_tiers_payant(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, bank_line_id: int,
                           tiers_payant: bool) -> HttpResponse:
    """One click: a line goes in or out of tiers-payant (kept by the night, audited)."""
    line = get_object_or_404(BankLine, pharmacy=pharmacy, pk=bank_line_id)
    services.bank_line_tiers_payant_set(pharmacy=pharmacy, bank_line=line,
                                        tiers_payant=tiers_payant, user=request.user)
    kind = _kind_filter(request.POST.get("nature"))
    if _partial(request):
        return TemplateResponse(request, "payments/unmatched.html#lines",
                                _unmatched_context(pharmacy, kind))
    messages.success(request, "Virement d'organisme : compté parmi les non rapprochés."
                     if tiers_payant else "Ligne classée hors tiers-payant.")
    if request.POST.get("retour") == "ligne":
        return redirect("payments:bank_line", pharmacy.pk, line.pk)
    url = reverse("payments:unmatched", args=[pharmacy.pk])
    return redirect(f"{url}?nature={kind}" if kind else url)


@require_http_methods(["GET", "POST"])
@pharmacy_view
def bank_rules(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> HttpResponse:
    """The pharmacy's sorting rules: list, add (its lines are sorted again at once)."""
    form = BankRuleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.bank_rule_create(pharmacy=pharmacy, user=request.user,
                                          pattern=form.cleaned_data["pattern"],
                                          kind=form.cleaned_data["kind"])
                messages.success(request, "Règle ajoutée : les lignes du compte sont triées à nouveau.")
                return redirect("payments:rules", pharmacy.pk)
            except ValidationError as exc:
                form.add_error("pattern", exc.messages[0])
        status = 400
    return TemplateResponse(request, "payments/rules.html", {
        "pharmacy": pharmacy, "form": form, "rules": selectors.bank_rules(pharmacy=pharmacy),
    }, status=status)


@require_POST
@pharmacy_view
def bank_rule_delete(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(BankRule, pharmacy=pharmacy, pk=rule_id)
    services.bank_rule_delete(pharmacy=pharmacy, rule=rule)
    messages.info(request, "Règle supprimée : les lignes du compte sont triées à nouveau.")
    return redirect("payments:rules", pharmacy.pk)
