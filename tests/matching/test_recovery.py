"""Recovered money counts every euro paid on a re-invoice; a payment taken back says so.

A rejection whose re-invoice is paid in part is "partiellement recouvré" with its
remainder and next step, and closes when the rest is paid; the month's recovered money
(reports.figures.recovered) counts each payment in the month it was paid. A claim whose
payment a recovery (INDU) took back is "Paiement repris (indu)", of its own kind.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import ClaimStatus, ReturnStatus
from pharmacies.models import Pharmacy
from rejections.models import OPEN_REJECTION_STATUSES, Rejection, RejectionStatus
from reports.figures import Amount, money_figures, recovered
from tests.factories import ClaimFactory, ReasonFactory, ReturnLineFactory
from tiers_payant.night import night_returns

pytestmark = pytest.mark.django_db
OCTOBER, NOVEMBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31)), (dt.date(2026, 11, 1),
                                                                      dt.date(2026, 11, 30))


def _return(claim, **fields):
    """A return as the import leaves it: not yet linked to its claim."""
    return ReturnLineFactory(claim=None, pharmacy=claim.pharmacy,
                             invoice_number=claim.invoice_number, payer_kind=claim.payer_kind,
                             organism=claim.organism, **fields)


def _paid(claim, status, amount: str, day: dt.date):
    return _return(claim, status=status, amount_paid=Decimal(amount), payment_date=day,
                   return_date=day)


@pytest.fixture
def reinvoiced(pharmacy_a):
    """A claim of 50 € rejected on 12 October, re-invoiced under a new number on the 15th."""
    ReasonFactory(code="0450 072")
    old = ClaimFactory(pharmacy=pharmacy_a, invoice_number="100000001",
                       amount_claimed=Decimal("50.00"))
    _return(old, status=ReturnStatus.REJECTED, amount_paid=None, reject_code="0450 072",
            return_date=dt.date(2026, 10, 12))
    night_returns(pharmacy_id=pharmacy_a.id)
    new = ClaimFactory(pharmacy=pharmacy_a, invoice_number="100000777", organism=old.organism,
                       nir=old.nir, care_date=old.care_date, amount_claimed=Decimal("50.00"),
                       transmission_date=dt.date(2026, 10, 15))
    night_returns(pharmacy_id=pharmacy_a.id)
    new.refresh_from_db()
    assert new.reinvoice_of_id == old.pk
    return old, new


def _month(pharmacy, period):
    return recovered(pharmacies=Pharmacy.objects.filter(pk=pharmacy.pk), first=period[0],
                     last=period[1])


def test_a_partly_paid_reinvoice_is_partly_recovered_then_closed_when_the_rest_is_paid(
        reinvoiced, pharmacy_a):
    old, new = reinvoiced
    _paid(new, ReturnStatus.PARTIAL, "30.00", dt.date(2026, 10, 20))
    night_returns(pharmacy_id=pharmacy_a.id)

    rejection = Rejection.objects.get(claim=old)
    assert rejection.status == RejectionStatus.PARTLY_RECOVERED
    assert rejection.status in OPEN_REJECTION_STATUSES  # still to work: the rest is owed
    assert (rejection.recovered_amount, rejection.remainder) == (Decimal("30.00"), Decimal("20.00"))
    assert rejection.closed_on is None
    [event] = rejection.events.filter(kind="status", to_status="partly_recovered")
    assert event.text == ("Partiellement recouvré : facture 100000777 payée en partie "
                          "(30,00\u00a0€ ; reste 20,00\u00a0€ à réclamer)")
    assert (_month(pharmacy_a, OCTOBER).count, _month(pharmacy_a, OCTOBER).amount) == (
        1, Decimal("30.00"))

    night_returns(pharmacy_id=pharmacy_a.id)  # a replay changes nothing
    assert rejection.events.filter(kind="status").count() == 1

    _paid(new, ReturnStatus.PAID, "20.00", dt.date(2026, 11, 3))  # the rest, claimed
    night_returns(pharmacy_id=pharmacy_a.id)
    rejection.refresh_from_db()
    assert (rejection.status, rejection.recovered_amount, rejection.closed_on) == (
        RejectionStatus.CLOSED, Decimal("50.00"), dt.date(2026, 11, 3))
    # Each euro in the month it was paid: October keeps its 30 €, November has 20 €.
    assert _month(pharmacy_a, OCTOBER).amount == Decimal("30.00")
    assert (_month(pharmacy_a, NOVEMBER).count, _month(pharmacy_a, NOVEMBER).amount) == (
        1, Decimal("20.00"))


def test_the_rejection_page_shows_the_remainder_and_the_next_step(reinvoiced, pharmacy_a,
                                                                    login, titulaire_a):
    old, new = reinvoiced
    _paid(new, ReturnStatus.PARTIAL, "30.00", dt.date(2026, 10, 20))
    night_returns(pharmacy_id=pharmacy_a.id)
    rejection = Rejection.objects.get(claim=old)
    page = login(titulaire_a).get(reverse("rejections:detail", args=[pharmacy_a.pk, rejection.pk]))
    text = page.content.decode()
    assert "Partiellement recouvré" in text
    assert "20,00\u00a0€" in text and "réclamer à l'organisme" in text


def test_money_paid_before_the_rejection_is_not_recovered(pharmacy_a):
    ReasonFactory(code="0450 072")
    claim = ClaimFactory(pharmacy=pharmacy_a, amount_claimed=Decimal("50.00"))
    _paid(claim, ReturnStatus.PARTIAL, "10.00", dt.date(2026, 10, 9))
    _return(claim, status=ReturnStatus.REJECTED, amount_paid=None, reject_code="0450 072",
            return_date=dt.date(2026, 10, 12))
    night_returns(pharmacy_id=pharmacy_a.id)

    rejection = Rejection.objects.get(claim=claim)
    assert (rejection.status, rejection.amount, rejection.recovered_amount) == (
        RejectionStatus.TO_HANDLE, Decimal("40.00"), Decimal("0.00"))
    assert _month(pharmacy_a, OCTOBER).amount == Decimal("0.00")


def test_a_payment_taken_back_has_its_own_label_and_next_step(pharmacy_a):
    claim = ClaimFactory(pharmacy=pharmacy_a, amount_claimed=Decimal("40.00"),
                         transmission_date=dt.date(2026, 9, 1))
    _paid(claim, ReturnStatus.PAID, "40.00", dt.date(2026, 9, 8))
    night_returns(pharmacy_id=pharmacy_a.id)
    _paid(claim, ReturnStatus.RECOVERY, "-40.00", dt.date(2026, 10, 20))
    night_returns(pharmacy_id=pharmacy_a.id)

    claim.refresh_from_db()
    assert (claim.status, claim.get_status_display()) == (
        ClaimStatus.TAKEN_BACK, "Paiement repris (indu)")
    assert claim.unpaid_since == dt.date(2026, 10, 20)
    money = money_figures(pharmacies=Pharmacy.objects.filter(pk=pharmacy_a.pk),
                          day=dt.date(2026, 10, 31))
    taken_back = money.kind("taken_back")
    assert (taken_back.count, taken_back.amount) == (1, Decimal("40.00"))
    assert taken_back.next_step == "à vérifier, puis refacturer ou contester"
    assert money.to_remind.count == 0  # not a silent unpaid claim: the payer did answer
    assert money.at_risk.amount == Decimal("40.00")


def test_the_unpaid_worklist_lists_the_payments_taken_back(pharmacy_a, login, titulaire_a):
    claim = ClaimFactory(pharmacy=pharmacy_a, status=ClaimStatus.TAKEN_BACK,
                         amount_claimed=Decimal("40.00"))
    ClaimFactory(pharmacy=pharmacy_a, status=ClaimStatus.UNPAID)
    url = reverse("rejections:unpaid", args=[pharmacy_a.pk])
    client = login(titulaire_a)
    listed = client.get(url, {"vue": "repris"})
    assert [c.pk for c in listed.context["page"].object_list] == [claim.pk]
    text = listed.content.decode()
    assert "Paiement repris (indu)" in text and "À vérifier, puis refacturer ou contester" in text
    assert claim.pk not in [c.pk for c in client.get(url).context["page"].object_list]


def test_the_dashboard_shows_the_rejections_partly_recovered_and_their_rest(
        reinvoiced, pharmacy_a, login, titulaire_a):
    old, new = reinvoiced
    _paid(new, ReturnStatus.PARTIAL, "30.00", dt.date(2026, 10, 20))
    night_returns(pharmacy_id=pharmacy_a.id)
    page = login(titulaire_a).get(reverse("pharmacies:dashboard", args=[pharmacy_a.pk]))
    counts = page.context["data"]["rejections"]
    assert (counts["partly_recovered"], counts["partly_recovered_rest"]) == (1, Decimal("20.00"))
    assert counts["to_handle"] == 0  # no longer "à traiter" with nothing recovered
    text = page.content.decode()
    assert "?statut=partly_recovered" in text and "reste 20,00\u00a0€ à réclamer" in text


def test_a_partly_rejected_claim_recovers_only_its_rejected_part(pharmacy_a):
    """Paid 70 € of 100 € and the 30 € rest rejected in the same return: the 70 € are its normal
    payment, not recovered money; the 30 € paid later are. The month's figure and the
    rejection's recovered amount follow the one rule."""
    ReasonFactory(code="0450 072")
    claim = ClaimFactory(pharmacy=pharmacy_a, amount_claimed=Decimal("100.00"))
    _paid(claim, ReturnStatus.PARTIAL, "70.00", dt.date(2026, 10, 12))
    _return(claim, status=ReturnStatus.REJECTED, amount_paid=None, reject_code="0450 072",
            return_date=dt.date(2026, 10, 12))
    night_returns(pharmacy_id=pharmacy_a.id)
    rejection = Rejection.objects.get(claim=claim)
    assert rejection.amount == Decimal("30.00")
    assert _month(pharmacy_a, OCTOBER) == Amount(0, Decimal("0.00"))

    _paid(claim, ReturnStatus.PAID, "30.00", dt.date(2026, 11, 5))
    night_returns(pharmacy_id=pharmacy_a.id)
    rejection.refresh_from_db()
    assert rejection.recovered_amount == Decimal("30.00")
    assert _month(pharmacy_a, OCTOBER) == Amount(0, Decimal("0.00"))
    assert _month(pharmacy_a, NOVEMBER) == Amount(1, Decimal("30.00"))
