"""The one access rule, seen from each persona."""

import pytest
from django.urls import reverse

from pharmacies.access import visible_pharmacies
from pharmacies.models import DelegationMode
from tests.factories import ManagerAssignmentFactory, PharmacyFactory


def test_staff_see_only_their_pharmacy(titulaire_a, pharmacy_a, pharmacy_b, pharmacy_c):
    assert list(visible_pharmacies(titulaire_a)) == [pharmacy_a]


def test_manager_sees_the_delegated_pharmacies_assigned_to_them(
    manager_a, manager_c, pharmacy_a, pharmacy_b, pharmacy_c
):
    assert set(visible_pharmacies(manager_a)) == {pharmacy_a, pharmacy_b}
    assert set(visible_pharmacies(manager_c)) == {pharmacy_c}


def test_manager_loses_a_pharmacy_whose_delegation_ended(manager_a, pharmacy_a, pharmacy_b):
    pharmacy_a.delegation_mode = DelegationMode.NONE
    pharmacy_a.save()
    assert set(visible_pharmacies(manager_a)) == {pharmacy_b}


def test_supervisor_sees_every_delegated_pharmacy(supervisor, pharmacy_a, pharmacy_b, pharmacy_c):
    not_delegated = PharmacyFactory(delegation_mode=DelegationMode.NONE)
    visible = set(visible_pharmacies(supervisor))
    assert visible == {pharmacy_a, pharmacy_b, pharmacy_c}
    assert not_delegated not in visible


def test_an_assignment_to_an_undelegated_pharmacy_opens_nothing(db):
    assignment = ManagerAssignmentFactory(
        pharmacy=PharmacyFactory(delegation_mode=DelegationMode.NONE)
    )
    assert not visible_pharmacies(assignment.manager).exists()


def test_anonymous_sees_nothing(db, pharmacy_a):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_pharmacies(AnonymousUser()).exists()


@pytest.mark.parametrize(
    "persona, expected_status",
    [("titulaire_a", 200), ("manager_a", 200), ("supervisor", 200), ("manager_c", 404)],
)
def test_pharmacy_dashboard_answers_404_outside_the_rule(
    request, login, pharmacy_a, persona, expected_status
):
    client = login(request.getfixturevalue(persona))
    response = client.get(reverse("pharmacies:dashboard", args=[pharmacy_a.pk]))
    assert response.status_code == expected_status


def test_an_unknown_pharmacy_answers_404_like_a_forbidden_one(login, titulaire_a):
    response = login(titulaire_a).get(reverse("pharmacies:dashboard", args=[999999]))
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(client, pharmacy_a):
    response = client.get(reverse("pharmacies:dashboard", args=[pharmacy_a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
