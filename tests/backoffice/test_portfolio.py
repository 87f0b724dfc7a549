"""The portfolio: the right figures per pharmacy, in a number of queries that does not grow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from backoffice.models import ManagerAssignment, TimeEntry
from backoffice.selectors import portfolio_rows
from pharmacies.access import visible_pharmacies
from pharmacies.models import DelegationMode
from rejections.models import HandledBy
from reports.statistics import monthly_counts_refresh
from tests.factories import (
    BankLineFactory,
    ClaimFactory,
    PharmacyFactory,
    RejectionFactory,
    UserFactory,
)
from tests.sessions import two_factor_pass

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def _fill(pharmacy, manager):
    """A little of everything the portfolio counts, for one pharmacy."""
    ClaimFactory(pharmacy=pharmacy, status="unpaid", amount_claimed=Decimal("40.00"),
                 transmission_date=dt.date(2026, 9, 1))
    rejected = ClaimFactory(pharmacy=pharmacy, status="rejected", amount_claimed=Decimal("25.00"),
                            amount_paid=Decimal("5.00"), transmission_date=TODAY.replace(day=2))
    RejectionFactory(claim=rejected, handled_by=HandledBy.BACKOFFICE)
    ClaimFactory(pharmacy=pharmacy, status="paid", transmission_date=TODAY.replace(day=3))
    BankLineFactory(account__pharmacy=pharmacy)
    TimeEntry.objects.create(pharmacy=pharmacy, manager=manager, day=TODAY, minutes=90)


def _portfolio_of(count):
    manager = UserFactory(kind="manager")
    for _ in range(count):
        pharmacy = PharmacyFactory(delegation_mode=DelegationMode.PARTIAL, delegation_hours_per_month=8)
        ManagerAssignment.objects.create(pharmacy=pharmacy, manager=manager)
        _fill(pharmacy, manager)
    return manager


def test_figures_of_one_pharmacy(manager_a, pharmacy_b):
    _fill(pharmacy_b, manager_a)
    ClaimFactory(pharmacy=pharmacy_b, status="transmitted", transmission_date=dt.date(2025, 12, 1))
    monthly_counts_refresh(pharmacy_id=pharmacy_b.pk, today=TODAY)  # the night's count
    rows = {r.pharmacy.pk: r for r in portfolio_rows(pharmacies=visible_pharmacies(manager_a), today=TODAY)}
    row = rows[pharmacy_b.pk]
    # At risk (reports.figures): 40 unpaid + (25 - 5) rejected + 32.50 silent for a year.
    assert row.money.at_risk.amount == Decimal("92.50")
    assert row.pharmacy.rejections_to_handle == 1
    # Overdue, more than 30 days past the payer's delay (4 working days = 6 days): the
    # unpaid one and the silent transmitted one; the rejection of Nov. 2 is not yet.
    assert (row.money.overdue.count, row.money.overdue.amount) == (2, Decimal("72.50"))
    assert row.pharmacy.unmatched_bank_lines == 1
    assert row.pharmacy.minutes_this_month == 90
    assert row.hours_used == Decimal("1.5")
    assert row.rate_this_month == pytest.approx(1 / 2)
    assert row.rate_12_months == 0.0  # Sept. and Dec. claims, none rejected
    assert row.pharmacy.last_activity is None  # no import, event or reminder yet


def test_the_12_month_rate_is_last_nights_and_this_months_is_live(manager_a, pharmacy_b):
    september = [ClaimFactory(pharmacy=pharmacy_b, transmission_date=dt.date(2026, 9, day))
                 for day in (1, 2)]
    november = ClaimFactory(pharmacy=pharmacy_b, transmission_date=TODAY.replace(day=2))
    monthly_counts_refresh(pharmacy_id=pharmacy_b.pk, today=TODAY)

    def row():
        return {r.pharmacy.pk: r for r in portfolio_rows(
            pharmacies=visible_pharmacies(manager_a), today=TODAY)}[pharmacy_b.pk]

    # This month's only claim has had no answer yet: its 0 % would say nothing (issue 16),
    # the last month is shown instead (October: no claim, no rate) and said so.
    first = row()
    assert (first.rate_12_months, first.rate_this_month, first.rate_is_current) == (0.0, None, False)
    assert first.rate_month == dt.date(2026, 10, 1) and first.rate_trend == ""
    RejectionFactory(claim=september[0])  # rejected during the day
    RejectionFactory(claim=november)
    assert (row().rate_12_months, row().rate_this_month, row().rate_is_current) == (0.0, 1.0, True)
    monthly_counts_refresh(pharmacy_id=pharmacy_b.pk, today=TODAY)  # the next night
    assert row().rate_12_months == pytest.approx(1 / 2)


def test_partial_delegation_counts_only_the_backoffice_share(manager_a, pharmacy_b):
    RejectionFactory(claim__pharmacy=pharmacy_b, handled_by=HandledBy.PHARMACY)
    RejectionFactory(claim__pharmacy=pharmacy_b, handled_by=HandledBy.BACKOFFICE)
    [row] = [r for r in portfolio_rows(pharmacies=visible_pharmacies(manager_a)) if r.pharmacy == pharmacy_b]
    assert row.pharmacy.rejections_to_handle == 1


def test_sorted_by_money_at_risk(login, manager_a, pharmacy_a, pharmacy_b):
    ClaimFactory(pharmacy=pharmacy_b, status="unpaid", amount_claimed=Decimal("500.00"))
    ClaimFactory(pharmacy=pharmacy_a, status="unpaid", amount_claimed=Decimal("5.00"))
    client = login(manager_a)
    names = lambda r: [row.pharmacy.name for row in r.context["rows"]]  # noqa: E731
    assert names(client.get(reverse("backoffice:portfolio"), {"tri": "-risk"})) == ["Pharmacie B", "Pharmacie A"]
    assert names(client.get(reverse("backoffice:portfolio"), {"tri": "risk"})) == ["Pharmacie A", "Pharmacie B"]


def test_htmx_sort_returns_the_table_only(login, manager_a):
    response = login(manager_a).get(reverse("backoffice:portfolio"), {"tri": "name"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="portfolio-table"' in response.text and "<html" not in response.text


@pytest.mark.parametrize("count", [5, 50])
def test_queries_do_not_depend_on_the_number_of_pharmacies(client, django_assert_num_queries, count):
    manager = _portfolio_of(count)
    client.force_login(manager)
    two_factor_pass(client, manager)
    # session + user (2); pharmacies with every figure as subqueries (1); the money
    # figures of every pharmacy, grouped (1: reports.figures); monthly
    # rejection rates (2: rows + pharmacy ids); session saved on every request for the
    # idle timeout (3: savepoint, update, release); the verified second-factor device (1);
    # the row-level security scope set from the access rule, then restored (2).
    with django_assert_num_queries(13):  # + the open "fichier attendu" alerts, one query
        response = client.get(reverse("backoffice:portfolio"))
    assert len(response.context["rows"]) == count
    assert all(row.money.at_risk.amount == Decimal("60.00") for row in response.context["rows"])


@pytest.mark.parametrize("count", [5, 50])
def test_supervision_queries_do_not_depend_on_the_number_of_pharmacies(client, django_assert_num_queries, count):
    _portfolio_of(count)
    supervisor = UserFactory(kind="supervisor")
    client.force_login(supervisor)
    two_factor_pass(client, supervisor)
    # session + user (2); portfolio rows (4); managers, assignments, hours per manager,
    # pharmacies not delegated, managers of the reassign menus (5); session save (3);
    # the verified second-factor device (1); the row-level security scope, set and restored (2).
    with django_assert_num_queries(18):  # + the open "fichier attendu" alerts, one query
        response = client.get(reverse("backoffice:supervision"))
    assert len(response.context["rows"]) == count
    assert response.context["loads"][0].pharmacies == count


def test_last_activity_is_the_latest_contact_or_event(manager_a, pharmacy_b):
    from backoffice.services import contact_log_add
    from tests.factories import OrganismFactory

    log = contact_log_add(pharmacy=pharmacy_b, organism=OrganismFactory(), channel="phone",
                          day=TODAY, notes="", actor=manager_a)
    [row] = [r for r in portfolio_rows(pharmacies=visible_pharmacies(manager_a)) if r.pharmacy == pharmacy_b]
    assert row.pharmacy.last_activity == log.created_at
