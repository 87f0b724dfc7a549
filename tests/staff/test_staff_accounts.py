"""The titulaire's pages: staff accounts, operator codes, rejections by operator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pharmacies.models import StaffMember, User
from rejections.models import Fault
from tests.factories import ClaimFactory, ReasonFactory, RejectionFactory


def test_the_titulaire_lists_the_staff(login, titulaire_n, preparateur_n, pharmacy_n):
    body = login(titulaire_n).get(reverse("pharmacies:staff", args=[pharmacy_n.pk])).content.decode()
    assert "PREP1" in body and "preparateur_n" in body


@pytest.mark.parametrize("persona", ["preparateur_a", "manager_a", "manager_c"])
@pytest.mark.parametrize("name", ["staff", "staff_create"])
def test_staff_pages_are_the_titulaires_only(request, login, pharmacy_a, titulaire_a, persona, name):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse(f"pharmacies:{name}", args=[pharmacy_a.pk])).status_code == 404


def test_the_titulaire_adds_someone_with_a_login(login, titulaire_n, pharmacy_n):
    response = login(titulaire_n).post(
        reverse("pharmacies:staff_create", args=[pharmacy_n.pk]),
        {"first_name": "Léa", "last_name": "Bernard", "role": "preparateur", "operator_code": "LB",
         "active": "on", "username": "lea.bernard", "email": "lea@example.test"},
    )
    assert response.status_code == 302
    member = StaffMember.objects.get(operator_code="LB")
    assert member.pharmacy == pharmacy_n and member.user.username == "lea.bernard"
    assert member.user.kind == User.Kind.PHARMACY and not member.user.has_usable_password()


def test_the_titulaire_adds_someone_without_a_login(login, titulaire_n, pharmacy_n):
    login(titulaire_n).post(
        reverse("pharmacies:staff_create", args=[pharmacy_n.pk]),
        {"first_name": "Tom", "last_name": "Petit", "role": "adjoint", "operator_code": "TP", "active": "on"},
    )
    assert StaffMember.objects.get(operator_code="TP").user is None


def test_an_operator_code_is_unique_in_the_pharmacy(login, titulaire_n, preparateur_n, pharmacy_n):
    response = login(titulaire_n).post(
        reverse("pharmacies:staff_create", args=[pharmacy_n.pk]),
        {"first_name": "X", "last_name": "Y", "role": "preparateur", "operator_code": "PREP1"},
    )
    assert response.status_code == 200
    assert "déjà utilisé" in response.content.decode()


def test_the_titulaire_changes_an_operator_code(login, titulaire_n, preparateur_n, pharmacy_n):
    member = preparateur_n.staff_member
    login(titulaire_n).post(
        reverse("pharmacies:staff_edit", args=[pharmacy_n.pk, member.pk]),
        {"first_name": member.first_name, "last_name": member.last_name, "role": "preparateur",
         "operator_code": "NEW1", "active": "on", "email": "x@example.test"},
    )
    member.refresh_from_db()
    assert member.operator_code == "NEW1"


def test_a_staff_member_of_another_pharmacy_is_404(login, titulaire_n, pharmacy_n, titulaire_a):
    other = titulaire_a.staff_member
    url = reverse("pharmacies:staff_edit", args=[pharmacy_n.pk, other.pk])
    assert login(titulaire_n).get(url).status_code == 404


def test_staff_statistics_count_rejections_against_each_operators_claims(login, titulaire_n, preparateur_n, pharmacy_n):
    from django.utils import timezone

    today = timezone.localdate()
    counter = ReasonFactory(fault=Fault.COUNTER, avoidable_at_counter=True)
    for _ in range(3):
        ClaimFactory(pharmacy=pharmacy_n, operator_code="PREP1", transmission_date=today)
    RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, operator_code="PREP1", transmission_date=today), reason=counter)
    response = login(titulaire_n).get(reverse("pharmacies:staff_statistics", args=[pharmacy_n.pk]))
    row = next(r for r in response.context["rows"] if r["operator_code"] == "PREP1")
    assert (row["claim_count"], row["rejection_count"], row["counter_errors"]) == (4, 1, 1)
    assert "25,0\u00a0%" in response.content.decode()


def test_staff_statistics_are_not_for_the_counter(login, preparateur_n, pharmacy_n, manager_c, pharmacy_a):
    assert login(preparateur_n).get(reverse("pharmacies:staff_statistics", args=[pharmacy_n.pk])).status_code == 404
    assert login(manager_c).get(reverse("pharmacies:staff_statistics", args=[pharmacy_a.pk])).status_code == 404


def test_the_manager_sees_the_staff_statistics(login, manager_a, pharmacy_a):
    assert login(manager_a).get(reverse("pharmacies:staff_statistics", args=[pharmacy_a.pk])).status_code == 200
