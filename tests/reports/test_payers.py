"""The payers' scorecard (reports/payers.py) and pages against data whose truth is known.

On 30/11/2026 the period is 02/06/2026–30/11/2026 (26 weeks), the previous one
02/12/2025–01/06/2026. Payer P (AMO, usual delay 4 working days = 6 calendar days) in
pharmacy A, transmitted 01/10/2026: 10 claims paid after 5..14 days (the 14-day one in
part), 2 rejected, 1 never answered (due 07/10), and 1 transmitted 28/11 still within its
delay; in the previous period 3 claims paid after 4, 6, 8 days; one open claim of 2025.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import ClaimStatus, PayerKind
from pharmacies.models import Pharmacy
from reports.payers import Period, operator_cards, payer_cards, payer_cards_by_pharmacy
from tests.factories import ClaimFactory, OrganismFactory, RejectionFactory
from tests.sessions import two_factor_pass

DAY = dt.date(2026, 11, 30)
SENT = dt.date(2026, 10, 1)
AMOUNT = Decimal("32.50")


def claim(pharmacy, organism, *, sent=SENT, delay=None, status=None, paid=None, **extra):
    paid_date = sent + dt.timedelta(days=delay) if delay is not None else None
    status = status or (ClaimStatus.PAID if delay is not None else ClaimStatus.TRANSMITTED)
    if paid is None:
        paid = AMOUNT if status == ClaimStatus.PAID else Decimal("0.00")
    return ClaimFactory(
        pharmacy=pharmacy, organism=organism, payer_kind=organism.kind, care_date=sent,
        transmission_date=sent, paid_date=paid_date, status=status, amount_paid=paid, **extra
    )


@pytest.fixture
def world(pharmacy_a, pharmacy_b, pharmacy_c):
    p = OrganismFactory(name="CPAM TEST", usual_delay_days=4)
    for delay in range(5, 14):
        claim(pharmacy_a, p, delay=delay)
    claim(pharmacy_a, p, delay=14, status=ClaimStatus.PARTIAL, paid=Decimal("12.50"))
    for _ in range(2):
        RejectionFactory(claim=claim(pharmacy_a, p, status=ClaimStatus.REJECTED))
    claim(pharmacy_a, p)  # never answered: due 07/10
    claim(pharmacy_a, p, sent=dt.date(2026, 11, 28))  # still within its delay
    for delay in (4, 6, 8):
        claim(pharmacy_a, p, sent=dt.date(2026, 3, 2), delay=delay)
    claim(pharmacy_a, p, sent=dt.date(2025, 5, 2))  # open, older than both periods
    claim(pharmacy_a, p, sent=dt.date(2025, 5, 2), delay=60)  # paid, older: nowhere
    # Two AMC of one operator; the first owes more than P.
    q1 = OrganismFactory(kind=PayerKind.AMC, code="AMCTEST001", name="MUTUELLE UN", operator="Almerys")
    q2 = OrganismFactory(kind=PayerKind.AMC, code="AMCTEST002", name="MUTUELLE DEUX", operator="Almerys")
    claim(pharmacy_a, q1, amount_claimed=Decimal("500.00"))
    claim(pharmacy_a, q2, delay=3)
    # P in pharmacy B (manager A's too) and in pharmacy C (not theirs).
    claim(pharmacy_b, p, delay=20)
    claim(pharmacy_b, p, delay=30)
    claim(pharmacy_c, p, delay=100)
    return {"p": p, "q1": q1, "q2": q2}


def one(pharmacy):
    return Pharmacy.objects.filter(pk=pharmacy.pk)


def test_period_is_26_weeks_and_the_previous_as_long():
    period = Period.ending(DAY)
    assert (period.first, period.last) == (dt.date(2026, 6, 2), DAY)
    assert (period.previous.first, period.previous.last) == (dt.date(2025, 12, 2), dt.date(2026, 6, 1))


def test_each_figure_of_a_payer_equals_the_hand_value(world, pharmacy_a):
    card = payer_cards(pharmacies=one(pharmacy_a), day=DAY, organism_id=world["p"].pk)[0]
    assert card.claims == 14
    assert card.paid == 10
    assert card.median_delay == 9.5  # (9 + 10) / 2
    assert card.p90_delay == pytest.approx(13.1)  # 13 + 0.1 × (14 − 13), linear interpolation
    assert card.previous_median == 6
    assert card.trend == pytest.approx(3.5)
    assert (card.rejected, card.partial, card.silent) == (2, 1, 1)
    assert card.rejection_rate == pytest.approx(2 / 14)
    assert card.partial_rate == pytest.approx(1 / 14)
    assert card.silent_rate == pytest.approx(1 / 14)
    # Owed: the partial's 20.00, 2 rejected, the silent one, the waiting one, the 2025 one.
    assert card.owed_count == 6
    assert card.owed == Decimal("20.00") + 5 * AMOUNT


def test_payers_are_listed_the_most_money_waiting_first(world, pharmacy_a):
    cards = payer_cards(pharmacies=one(pharmacy_a), day=DAY)
    assert [c.key for c in cards] == [world["q1"].pk, world["p"].pk, world["q2"].pk]
    assert cards[0].name == "MUTUELLE UN" and cards[0].operator == "Almerys"


def test_operator_groups_its_amc(world, pharmacy_a):
    (almerys,) = operator_cards(pharmacies=one(pharmacy_a), day=DAY)
    assert (almerys.key, almerys.claims, almerys.paid, almerys.median_delay) == ("Almerys", 2, 1, 3)
    assert almerys.owed == Decimal("500.00")


def test_across_pharmacies_rows_and_total(world, pharmacy_a, pharmacy_b, manager_a):
    from pharmacies.access import visible_pharmacies

    rows, total = payer_cards_by_pharmacy(
        pharmacies=visible_pharmacies(manager_a), day=DAY, organism_id=world["p"].pk
    )
    assert {r.key: r.claims for r in rows} == {pharmacy_a.pk: 14, pharmacy_b.pk: 2}
    assert total.claims == 16
    # The medians of the whole set: 5..14, 20, 30 → (10 + 11) / 2; not the pharmacies' medians.
    assert total.median_delay == 10.5
    assert total.owed == Decimal("20.00") + 5 * AMOUNT


@pytest.fixture
def today_is_day(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: DAY)


def login(client, user):
    client.force_login(user)
    two_factor_pass(client, user)


def test_pharmacy_payer_page_shows_its_figures_and_links(client, world, pharmacy_a, titulaire_a, today_is_day):
    login(client, titulaire_a)
    page = client.get(reverse("pharmacies:payer", args=[pharmacy_a.pk, world["p"].pk]))
    assert page.status_code == 200
    body = page.text
    assert "CPAM TEST" in body and "9,5" in body and "13,1" in body
    assert f"?payeur={world['p'].pk}" in body
    listing = client.get(reverse("pharmacies:payers", args=[pharmacy_a.pk])).text
    assert reverse("pharmacies:payer", args=[pharmacy_a.pk, world["p"].pk]) in listing
    assert listing.index("MUTUELLE UN") < listing.index("CPAM TEST")


def test_manager_sees_their_pharmacies_rows_only(client, world, pharmacy_a, pharmacy_b, pharmacy_c,
                                                 manager_a, today_is_day):
    login(client, manager_a)
    page = client.get(reverse("backoffice:payer", args=[world["p"].pk]))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert {r.key for r in rows} == {pharmacy_a.pk, pharmacy_b.pk}
    assert pharmacy_c.name not in page.text
    assert page.context["total"].claims == 16
    listing = client.get(reverse("backoffice:payers"))
    assert reverse("backoffice:payer", args=[world["p"].pk]) in listing.text


def test_outsiders_get_404(client, world, pharmacy_a, manager_c, titulaire_a, pharmacy_c, today_is_day):
    login(client, manager_c)
    assert client.get(reverse("pharmacies:payer", args=[pharmacy_a.pk, world["p"].pk])).status_code == 404
    # Their own pharmacy never billed MUTUELLE UN: nothing to show.
    assert client.get(reverse("pharmacies:payer", args=[pharmacy_c.pk, world["q1"].pk])).status_code == 404
    assert client.get(reverse("backoffice:payer", args=[world["q1"].pk])).status_code == 404
    assert client.get(reverse("backoffice:payer", args=[999999])).status_code == 404
    login(client, titulaire_a)
    assert client.get(reverse("backoffice:payers")).status_code == 404


def test_a_payer_billed_long_ago_shows_zeros_not_404(client, pharmacy_a, titulaire_a, today_is_day):
    old = OrganismFactory(name="CAISSE ANCIENNE")
    claim(pharmacy_a, old, sent=dt.date(2024, 1, 5), delay=7)
    login(client, titulaire_a)
    page = client.get(reverse("pharmacies:payer", args=[pharmacy_a.pk, old.pk]))
    assert page.status_code == 200
    assert page.context["card"].claims == 0 and page.context["card"].owed == Decimal("0.00")


def test_payer_names_link_to_the_payer_page(client, world, pharmacy_a, manager_a, today_is_day):
    from backoffice.models import Reminder

    Reminder.objects.create(pharmacy=pharmacy_a, organism=world["p"], sent_on=dt.date(2026, 11, 2),
                            next_on=dt.date(2026, 11, 17), total=AMOUNT, created_by=manager_a)
    login(client, manager_a)
    link = reverse("pharmacies:payer", args=[pharmacy_a.pk, world["p"].pk])
    assert link in client.get(reverse("backoffice:reminders", args=[pharmacy_a.pk])).text
    statistics = client.get(reverse("reports:statistics", args=[pharmacy_a.pk]), {"mois": "2026-10"})
    assert link in statistics.text
    unpaid = client.get(reverse("rejections:unpaid", args=[pharmacy_a.pk]), {"vue": "ouvertes"})
    assert link in unpaid.text
    assert link in client.get(reverse("rejections:list", args=[pharmacy_a.pk]), {"statut": ""}).text
    page = client.get(link)
    assert "17/11/2026" in page.text  # the reminder sent to it
