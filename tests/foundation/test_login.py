"""After login each role lands on its own page, with a navigation of its own."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.sessions import log_in_through_the_form


def test_titulaire_lands_on_their_pharmacy_dashboard(client, titulaire_a, pharmacy_a):
    response = log_in_through_the_form(client, titulaire_a)
    assert response.redirect_chain[-1][0] == reverse("pharmacies:dashboard", args=[pharmacy_a.pk])
    assert "Pharmacie A" in response.text
    assert "Portefeuille" not in response.text


def test_manager_lands_on_the_portfolio(client, manager_a):
    response = log_in_through_the_form(client, manager_a)
    assert response.redirect_chain[-1][0] == reverse("backoffice:portfolio")
    assert "Pharmacie A" in response.text and "Pharmacie B" in response.text
    assert "Supervision" not in response.text


def test_supervisor_lands_on_supervision_with_the_admin_in_the_navigation(client, supervisor, pharmacy_a, manager_a):
    response = log_in_through_the_form(client, supervisor)
    assert response.redirect_chain[-1][0] == reverse("backoffice:supervision")
    assert "manager_a" in response.text or manager_a.get_full_name() in response.text
    assert reverse("admin:index") in response.text


def test_wrong_password_says_so_in_french(client, titulaire_a):
    response = client.post(reverse("login"), {"username": titulaire_a.username, "password": "non"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.text


@pytest.mark.parametrize("persona", ["titulaire_a", "preparateur_a"])
def test_pharmacy_staff_never_see_the_backoffice_pages(request, login, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("backoffice:portfolio")).status_code == 404
    assert client.get(reverse("backoffice:supervision")).status_code == 404


def test_a_manager_cannot_open_supervision_nor_the_admin(login, manager_a):
    client = login(manager_a)
    assert client.get(reverse("backoffice:supervision")).status_code == 404
    assert client.get(reverse("admin:index")).status_code == 302  # to the admin login


def test_manager_c_portfolio_does_not_list_pharmacy_a(login, manager_c, pharmacy_a, manager_a):
    response = login(manager_c).get(reverse("backoffice:portfolio"))
    assert "Pharmacie C" in response.text
    assert "Pharmacie A" not in response.text


def test_password_reset_sends_a_french_email(client, titulaire_a):
    client.post(reverse("password_reset"), {"email": titulaire_a.email})
    assert len(mail.outbox) == 1
    assert "Réinitialisation" in mail.outbox[0].subject
    assert "/comptes/reset/" in mail.outbox[0].body
