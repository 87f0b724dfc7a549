"""Delegation: the supervisor assigns and sets the mode; partial delegation splits rejections."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from backoffice.models import DelegationRule, ManagerAssignment, TimeEntry
from backoffice.services import delegation_rules_apply, time_entry_start, time_entry_stop
from rejections.models import HandledBy, ReasonCategory, Rejection
from tests.factories import PharmacyFactory, ReasonFactory, RejectionFactory

pytestmark = pytest.mark.django_db


def test_supervisor_delegates_a_new_pharmacy_to_a_manager(login, supervisor, manager_c):
    pharmacy = PharmacyFactory(name="Pharmacie Nouvelle")
    response = login(supervisor).post(
        reverse("backoffice:delegation_edit", args=[pharmacy.pk]),
        {"mode": "partial", "hours_per_month": "12", "start": "2026-12-01", "managers": [manager_c.pk]},
    )
    assert response.status_code == 302
    pharmacy.refresh_from_db()
    assert (pharmacy.delegation_mode, pharmacy.delegation_hours_per_month) == ("partial", 12)
    assert pharmacy.delegation_start == dt.date(2026, 12, 1)
    assert ManagerAssignment.objects.filter(pharmacy=pharmacy, manager=manager_c).exists()


def test_partial_delegation_needs_hours(login, supervisor, pharmacy_a):
    response = login(supervisor).post(
        reverse("backoffice:delegation_edit", args=[pharmacy_a.pk]),
        {"mode": "partial", "start": "2026-12-01"},
    )
    assert response.status_code == 200
    assert "hours_per_month" in response.context["form"].errors


def test_supervisor_reassigns_a_pharmacy_between_managers(login, supervisor, manager_a, manager_c, pharmacy_b):
    login(supervisor).post(
        reverse("backoffice:delegation_edit", args=[pharmacy_b.pk]),
        {"mode": "partial", "hours_per_month": "10", "start": "2026-01-01", "managers": [manager_c.pk]},
    )
    assert list(ManagerAssignment.objects.filter(pharmacy=pharmacy_b).values_list("manager", flat=True)) == [manager_c.pk]
    portfolio = login(manager_c).get(reverse("backoffice:portfolio"))
    assert "Pharmacie B" in portfolio.text


def test_rules_split_partial_rejections_and_keep_overrides(pharmacy_a, pharmacy_b):
    amo = ReasonFactory(category=ReasonCategory.AMO_RIGHTS)
    dup = ReasonFactory(code="DUP", category=ReasonCategory.DUPLICATE)
    DelegationRule.objects.create(pharmacy=pharmacy_b, category=ReasonCategory.AMO_RIGHTS, handled_by=HandledBy.BACKOFFICE)
    by_rule = RejectionFactory(claim__pharmacy=pharmacy_b, reason=amo)
    no_rule = RejectionFactory(claim__pharmacy=pharmacy_b, reason=dup, handled_by=HandledBy.BACKOFFICE)
    overridden = RejectionFactory(claim__pharmacy=pharmacy_b, reason=amo, handled_by=HandledBy.PHARMACY,
                                  handled_by_overridden=True)
    total = RejectionFactory(claim__pharmacy=pharmacy_a, reason=dup)
    delegation_rules_apply(pharmacy_ids=[pharmacy_a.pk, pharmacy_b.pk])
    handled = dict(Rejection.objects.values_list("pk", "handled_by"))
    assert handled[by_rule.pk] == HandledBy.BACKOFFICE
    assert handled[no_rule.pk] == HandledBy.PHARMACY
    assert handled[overridden.pk] == HandledBy.PHARMACY
    assert handled[total.pk] == HandledBy.BACKOFFICE
    # A second run changes nothing.
    delegation_rules_apply(pharmacy_ids=[pharmacy_a.pk, pharmacy_b.pk])
    assert dict(Rejection.objects.values_list("pk", "handled_by")) == handled


def test_rules_apply_in_one_update(pharmacy_b, django_assert_num_queries):
    for _ in range(5):
        RejectionFactory(claim__pharmacy=pharmacy_b)
    with django_assert_num_queries(1):
        assert delegation_rules_apply(pharmacy_ids=[pharmacy_b.pk]) == 5


def test_manager_saves_rules_from_the_page(login, manager_a, pharmacy_b):
    rejection = RejectionFactory(claim__pharmacy=pharmacy_b, reason=ReasonFactory(category=ReasonCategory.TECHNICAL))
    data = dict.fromkeys(ReasonCategory.values, HandledBy.PHARMACY)
    data[ReasonCategory.TECHNICAL] = HandledBy.BACKOFFICE
    assert login(manager_a).post(reverse("backoffice:rules", args=[pharmacy_b.pk]), data).status_code == 302
    rejection.refresh_from_db()
    assert rejection.handled_by == HandledBy.BACKOFFICE


def test_time_is_logged_by_clock_and_by_hand(login, manager_a, pharmacy_b):
    client = login(manager_a)
    url = reverse("backoffice:time", args=[pharmacy_b.pk])
    client.post(url, {"action": "start"})
    client.post(url, {"action": "stop"})
    client.post(url, {"action": "manual", "day": dt.date.today().isoformat(), "minutes": "45", "note": "Relances CPAM"})
    minutes = sorted(TimeEntry.objects.filter(pharmacy=pharmacy_b, manager=manager_a).values_list("minutes", flat=True))
    assert minutes == [1, 45]
    response = client.get(url)
    assert "/ 10 h" in response.text  # shown against the contract of pharmacy B


def test_clock_started_twice_is_one_entry(manager_a, pharmacy_b):
    first = time_entry_start(pharmacy=pharmacy_b, manager=manager_a)
    assert time_entry_start(pharmacy=pharmacy_b, manager=manager_a) == first
    assert time_entry_stop(pharmacy=pharmacy_b, manager=manager_a).minutes >= 1
    assert time_entry_stop(pharmacy=pharmacy_b, manager=manager_a) is None


def test_supervisor_sees_every_managers_load(login, supervisor, manager_a, manager_c, pharmacy_a, pharmacy_b, pharmacy_c):
    RejectionFactory(claim__pharmacy=pharmacy_a)
    RejectionFactory(claim__pharmacy=pharmacy_c)
    RejectionFactory(claim__pharmacy=pharmacy_c)
    TimeEntry.objects.create(pharmacy=pharmacy_c, manager=manager_c, day=dt.date.today(), minutes=120)
    response = login(supervisor).get(reverse("backoffice:supervision"))
    loads = {load.manager.username: load for load in response.context["loads"]}
    assert (loads["manager_a"].pharmacies, loads["manager_a"].rejections_to_handle) == (2, 1)
    assert (loads["manager_c"].pharmacies, loads["manager_c"].rejections_to_handle) == (1, 2)
    assert loads["manager_c"].hours == 2
    assert {row.pharmacy.name for row in response.context["rows"]} == {"Pharmacie A", "Pharmacie B", "Pharmacie C"}


def test_supervisor_reassigns_in_one_click(login, supervisor, manager_a, manager_c, pharmacy_a):
    client = login(supervisor)
    response = client.post(reverse("backoffice:reassign", args=[pharmacy_a.pk]), {"manager": manager_c.pk})
    assert response.status_code == 302
    assert list(ManagerAssignment.objects.filter(pharmacy=pharmacy_a).values_list("manager", flat=True)) == [manager_c.pk]
    pharmacy_a.refresh_from_db()
    assert pharmacy_a.delegation_mode == "total"  # the delegation itself is unchanged
    assert login(manager_a).get(reverse("backoffice:pharmacy", args=[pharmacy_a.pk])).status_code == 404


def test_only_supervisors_reassign(login, manager_a, manager_c, pharmacy_a):
    response = login(manager_a).post(reverse("backoffice:reassign", args=[pharmacy_a.pk]), {"manager": manager_c.pk})
    assert response.status_code == 404
    assert ManagerAssignment.objects.filter(pharmacy=pharmacy_a, manager=manager_a).exists()
