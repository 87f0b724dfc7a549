"""Lockout on repeated failures, per username and IP (issue 9, item 1)."""

from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_failures_lock_the_username_from_that_ip_even_with_the_right_password(titulaire_a):
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(4):
        assert attempt(client, titulaire_a.username, "mauvais").status_code == 200
    assert attempt(client, titulaire_a.username, "mauvais").status_code == 429  # the 5th locks
    response = attempt(client, titulaire_a.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert "bloquée temporairement" in response.text


def test_the_same_user_from_another_computer_is_not_locked(titulaire_a):
    attacker = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(6):
        attempt(attacker, titulaire_a.username, "mauvais")
    elsewhere = Client(REMOTE_ADDR="10.0.0.8")
    response = attempt(elsewhere, titulaire_a.username, TEST_PASSWORD)
    assert response.status_code == 302


def test_a_success_resets_the_count(titulaire_a):
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(4):
        attempt(client, titulaire_a.username, "mauvais")
    assert attempt(client, titulaire_a.username, TEST_PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, titulaire_a.username, "mauvais")
    assert attempt(client, titulaire_a.username, TEST_PASSWORD).status_code == 302
