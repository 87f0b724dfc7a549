"""Who sees the Backoffice pages: the manager their pharmacies, never another's; staff never."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ClaimFactory, OrganismFactory

pytestmark = pytest.mark.django_db

PHARMACY_PAGES = ["pharmacy", "reminders", "contacts", "time", "rules", "diagnostic", "diagnostic_pdf"]


def test_manager_sees_a_and_b_never_c(login, manager_a, pharmacy_a, pharmacy_b, pharmacy_c):
    response = login(manager_a).get(reverse("backoffice:portfolio"))
    assert response.status_code == 200
    names = [row.pharmacy.name for row in response.context["rows"]]
    assert sorted(names) == ["Pharmacie A", "Pharmacie B"]
    assert "Pharmacie C" not in response.text


def test_manager_of_c_sees_only_c(login, manager_c, manager_a, pharmacy_c):
    response = login(manager_c).get(reverse("backoffice:portfolio"))
    assert [row.pharmacy.name for row in response.context["rows"]] == ["Pharmacie C"]


@pytest.mark.parametrize("name", ["portfolio", "supervision", "letter_templates"])
def test_titulaire_never_sees_the_backoffice(login, titulaire_a, name):
    assert login(titulaire_a).get(reverse(f"backoffice:{name}")).status_code == 404


@pytest.mark.parametrize("name", PHARMACY_PAGES)
def test_titulaire_of_a_gets_404_on_backoffice_pages_of_a(login, titulaire_a, pharmacy_a, name):
    assert login(titulaire_a).get(reverse(f"backoffice:{name}", args=[pharmacy_a.pk])).status_code == 404


@pytest.mark.parametrize("name", PHARMACY_PAGES)
def test_manager_gets_404_on_another_managers_pharmacy(login, manager_a, manager_c, pharmacy_c, name):
    assert login(manager_a).get(reverse(f"backoffice:{name}", args=[pharmacy_c.pk])).status_code == 404


@pytest.mark.parametrize("name", PHARMACY_PAGES)
def test_manager_opens_own_pharmacy_pages(login, manager_a, pharmacy_b, name):
    ClaimFactory(pharmacy=pharmacy_b)
    response = login(manager_a).get(reverse(f"backoffice:{name}", args=[pharmacy_b.pk]))
    assert response.status_code == 200


def test_cross_tenant_reminder_pdf_is_404(login, manager_a, manager_c, pharmacy_a, pharmacy_c):
    from backoffice.reminders import reminder_create

    organism = OrganismFactory(kind="AMC", code="0000000123", name="MUTUELLE TEST")
    claim = ClaimFactory(pharmacy=pharmacy_c, organism=organism, payer_kind="AMC", status="unpaid")
    reminder = reminder_create(
        pharmacy=pharmacy_c, claims=pharmacy_c.claims.filter(pk=claim.pk), actor=manager_c
    )
    client = login(manager_a)
    for name in ["reminder_detail", "reminder_pdf"]:
        # Under C's URL (not visible) and under A's URL (the reminder is not A's).
        assert client.get(reverse(f"backoffice:{name}", args=[pharmacy_c.pk, reminder.pk])).status_code == 404
        assert client.get(reverse(f"backoffice:{name}", args=[pharmacy_a.pk, reminder.pk])).status_code == 404


def test_supervision_is_for_supervisors_only(login, manager_a, supervisor, pharmacy_a):
    assert login(manager_a).get(reverse("backoffice:supervision")).status_code == 404
    assert (
        login(manager_a).get(reverse("backoffice:delegation_edit", args=[pharmacy_a.pk])).status_code
        == 404
    )
    assert login(supervisor).get(reverse("backoffice:supervision")).status_code == 200
