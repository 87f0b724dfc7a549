"""The payers' pages (issue 20): how each payer pays, for a pharmacy and, for the Backoffice,
across the manager's pharmacies. The figures are reports.payers'; the reminders sent to a
payer are the Backoffice's (this app), hence the pages here, above both."""

from __future__ import annotations

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from backoffice.models import Reminder
from backoffice.selectors import contact_logs_for
from claims.models import Claim, Organism
from pharmacies.access import (
    AuthenticatedHttpRequest,
    backoffice_view,
    pharmacy_view,
    visible_pharmacies,
)
from pharmacies.models import Pharmacy
from reports.payers import (
    Period,
    empty_card,
    operator_cards,
    payer_cards,
    payer_cards_by_pharmacy,
)

RECENT_REMINDERS = 20


def _organism_or_404(organism_id: int) -> Organism:
    try:
        return Organism.objects.get(pk=organism_id)
    except Organism.DoesNotExist:
        raise Http404("Organisme introuvable") from None


def _billed_or_404(pharmacies, organism: Organism) -> None:
    """A payer these pharmacies never billed answers 404 (nothing to show, and no way to
    probe); one billed long ago, with nothing in the periods nor owed, shows zeros."""
    if not Claim.objects.filter(pharmacy__in=pharmacies, organism=organism).exists():
        raise Http404("Organisme introuvable pour ces pharmacies")


def _context(period: Period) -> dict:
    return {"period": period, "previous": period.previous}


@pharmacy_view
@require_GET
def pharmacy_payers(request: AuthenticatedHttpRequest, pharmacy: Pharmacy) -> TemplateResponse:
    """The pharmacy's payers, the most money waiting first, and the AMC operators."""
    today = timezone.localdate()
    period = Period.ending(today)
    scope = Pharmacy.objects.filter(pk=pharmacy.pk)
    return TemplateResponse(request, "backoffice/payers.html", {
        "pharmacy": pharmacy, "today": today, **_context(period),
        "cards": payer_cards(pharmacies=scope, day=today, period=period),
        "operators": operator_cards(pharmacies=scope, day=today, period=period),
    })


@pharmacy_view
@require_GET
def pharmacy_payer(request: AuthenticatedHttpRequest, pharmacy: Pharmacy, organism_id: int) -> TemplateResponse:
    """One payer seen from one pharmacy: its figures, its open claims (the worklists,
    filtered on it), the reminders sent to it and the contacts with it. A payer the
    pharmacy never billed answers 404."""
    organism = _organism_or_404(organism_id)
    today = timezone.localdate()
    period = Period.ending(today)
    cards = payer_cards(pharmacies=Pharmacy.objects.filter(pk=pharmacy.pk), day=today,
                        period=period, organism_id=organism.pk)
    if not cards:
        _billed_or_404(Pharmacy.objects.filter(pk=pharmacy.pk), organism)
        cards = [empty_card(organism)]
    reminders = (Reminder.objects.filter(pharmacy=pharmacy, organism=organism)
                 .select_related("created_by").order_by("-sent_on", "-id")[:RECENT_REMINDERS])
    return TemplateResponse(request, "backoffice/payer.html", {
        "pharmacy": pharmacy, "organism": organism, "card": cards[0], "today": today,
        **_context(period), "reminders": reminders,
        "contacts": contact_logs_for(pharmacy=pharmacy, organism_id=organism.pk)[:RECENT_REMINDERS],
    })


@backoffice_view
@require_GET
def payers(request: AuthenticatedHttpRequest) -> TemplateResponse:
    """The payers across the user's pharmacies, the most money waiting first."""
    today = timezone.localdate()
    period = Period.ending(today)
    scope = visible_pharmacies(request.user)
    return TemplateResponse(request, "backoffice/payers.html", {
        "pharmacy": None, "today": today, **_context(period),
        "cards": payer_cards(pharmacies=scope, day=today, period=period),
        "operators": operator_cards(pharmacies=scope, day=today, period=period),
    })


@backoffice_view
@require_GET
def payer(request: AuthenticatedHttpRequest, organism_id: int) -> TemplateResponse:
    """One payer across the user's pharmacies: a row per pharmacy and the total. A payer
    none of them billed answers 404."""
    organism = _organism_or_404(organism_id)
    today = timezone.localdate()
    period = Period.ending(today)
    rows, total = payer_cards_by_pharmacy(pharmacies=visible_pharmacies(request.user), day=today,
                                          period=period, organism_id=organism.pk)
    if total is None:
        _billed_or_404(visible_pharmacies(request.user), organism)
        total = empty_card(organism, name="Total")
    return TemplateResponse(request, "backoffice/payer_pharmacies.html", {
        "organism": organism, "rows": rows, "total": total, "today": today, **_context(period),
    })
