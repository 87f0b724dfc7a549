"""Reconciliation pages: review queue, manual link with a remainder, unlink, unmatched lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from payments.matching import slips_match
from payments.models import BankLine, ManualDecision, MatchProposal, PaymentSlip, Reconciliation
from tests.factories import BankAccountFactory, BankLineFactory, OrganismFactory, PaymentSlipFactory


@pytest.fixture
def ambiguous(pharmacy_a):
    """One credit of 75 € and two CPAM slips of 75 €: the run can only propose."""
    cpam = OrganismFactory(code="016910001", name="CPAM du Rhône")
    slips = [PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal("75.00"),
                                payment_date=dt.date(2026, 10, d)) for d in (7, 9)]
    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a),
                           amount=Decimal("75.00"), booking_date=dt.date(2026, 10, 10),
                           label="VIR SEPA RECU /DE CPAM DU RHONE")
    slips_match(pharmacy_id=pharmacy_a.id)
    return line, slips


def test_the_queue_shows_proposals_with_evidence(login, titulaire_a, pharmacy_a, ambiguous):
    response = login(titulaire_a).get(reverse("payments:review", args=[pharmacy_a.pk]))
    assert response.status_code == 200
    assert b"payeur nomm" in response.content and b"2 candidats" in response.content


def test_accepting_a_proposal_links_and_clears_the_queue(login, manager_a, pharmacy_a, ambiguous):
    line, slips = ambiguous
    proposal = MatchProposal.objects.get(bank_line=line, slip_ids=[slips[1].pk])
    client = login(manager_a)

    response = client.post(reverse("payments:proposal_accept", args=[pharmacy_a.pk, proposal.pk]),
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    link = Reconciliation.objects.get()
    assert (link.slip_id, link.source) == (slips[1].pk, "manual")
    assert not MatchProposal.objects.filter(status="open").exists()
    # The night after, nothing is undone.
    slips_match(pharmacy_id=pharmacy_a.id)
    assert list(Reconciliation.objects.values_list("slip_id", flat=True)) == [slips[1].pk]


def test_manual_split_and_remainder(login, titulaire_a, pharmacy_a, ambiguous):
    line, slips = ambiguous
    client = login(titulaire_a)
    url = reverse("payments:bank_line", args=[pharmacy_a.pk, line.pk])

    preview = client.post(url, {"slip": [slips[0].pk], f"amount_{slips[0].pk}": "40,00",
                                "preview": "1"}, HTTP_HX_REQUEST="true")
    assert "35,00" in preview.content.decode().replace("\xa0", " ").replace("\u202f", " ")

    client.post(url, {"slip": [slips[0].pk, slips[1].pk], f"amount_{slips[0].pk}": "40,00",
                      f"amount_{slips[1].pk}": "35,00"})

    line.refresh_from_db()
    assert line.status == BankLine.Status.MATCHED
    assert PaymentSlip.objects.get(pk=slips[0].pk).status == PaymentSlip.Status.PARTIAL


def test_unlink_is_remembered_by_the_night(login, titulaire_a, pharmacy_a):
    cpam = OrganismFactory(code="016910001", name="CPAM du Rhône")
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal("812.40"),
                       payment_date=dt.date(2026, 10, 8))
    BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("812.40"),
                    booking_date=dt.date(2026, 10, 12), label="VIR SEPA RECU /DE CPAM DU RHONE")
    slips_match(pharmacy_id=pharmacy_a.id)
    link = Reconciliation.objects.get()

    login(titulaire_a).post(reverse("payments:unlink", args=[pharmacy_a.pk, link.pk]))
    slips_match(pharmacy_id=pharmacy_a.id)

    assert not Reconciliation.objects.exists()
    assert ManualDecision.objects.filter(kind="unlinked").count() == 1
    assert not MatchProposal.objects.exists()


def test_unmatched_lists(login, titulaire_a, pharmacy_a, ambiguous):
    response = login(titulaire_a).get(reverse("payments:unmatched", args=[pharmacy_a.pk]))
    assert response.status_code == 200
    assert response.content.count(b"BRD") == 2


def test_another_tenant_gets_404(login, manager_c, pharmacy_a, ambiguous):
    line, _ = ambiguous
    proposal = MatchProposal.objects.first()
    client = login(manager_c)
    assert client.get(reverse("payments:review", args=[pharmacy_a.pk])).status_code == 404
    assert client.get(reverse("payments:bank_line", args=[pharmacy_a.pk, line.pk])).status_code == 404
    assert client.post(reverse("payments:proposal_accept",
                               args=[pharmacy_a.pk, proposal.pk])).status_code == 404
    assert not Reconciliation.objects.exists()


def test_an_object_of_another_pharmacy_is_404_even_under_mine(login, manager_a, pharmacy_a,
                                                              pharmacy_b, ambiguous):
    line, _ = ambiguous
    url = reverse("payments:bank_line", args=[pharmacy_b.pk, line.pk])
    assert login(manager_a).get(url).status_code == 404


def test_the_manual_link_form_reads_amounts_like_the_screen_writes_them(pharmacy_a):
    """One French parser: `1.234,56` is accepted (it used to be refused); a third decimal
    or a lone thousands separator is refused with its reason, never guessed or rounded."""
    from django.http import QueryDict

    from payments.forms import allocations_from

    slips = [PaymentSlipFactory(pharmacy=pharmacy_a, total=Decimal("2000.00")) for _ in range(4)]
    data = QueryDict(mutable=True)
    data.setlist("slip", [str(s.pk) for s in slips])
    data[f"amount_{slips[0].pk}"] = "1.234,56"
    data[f"amount_{slips[1].pk}"] = "0,125"
    data[f"amount_{slips[2].pk}"] = "12,3,4"
    data[f"amount_{slips[3].pk}"] = "1.234"

    allocations, errors = allocations_from(data, PaymentSlip.objects.filter(pharmacy=pharmacy_a))

    assert [(s.pk, a) for s, a in allocations] == [(slips[0].pk, Decimal("1234.56"))]
    assert errors == [
        f"Bordereau {slips[1].reference} : montant au centime près, pas plus fin : « 0,125 ».",
        f"Bordereau {slips[2].reference} : montant illisible « 12,3,4 ».",
        f"Bordereau {slips[3].reference} : montant ambigu « 1.234 » : écrivez 1\u202f234 pour des "
        "milliers, ou 1,23 pour des centimes.",
    ]


def test_a_slip_sent_twice_in_the_form_is_allocated_once(pharmacy_a):
    from django.http import QueryDict

    from payments.forms import allocations_from

    slip = PaymentSlipFactory(pharmacy=pharmacy_a, total=Decimal("100.00"))
    data = QueryDict(mutable=True)
    data.setlist("slip", [str(slip.pk), str(slip.pk)])
    data[f"amount_{slip.pk}"] = "100,00"
    allocations, errors = allocations_from(data, PaymentSlip.objects.filter(pharmacy=pharmacy_a))
    assert allocations == [(slip, Decimal("100.00"))] and errors == []
