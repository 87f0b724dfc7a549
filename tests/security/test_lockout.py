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


def test_spraying_many_usernames_from_one_address_locks_that_address(settings, titulaire_a):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    sprayer = Client(REMOTE_ADDR="10.0.0.20")
    for number in range(20):
        assert attempt(sprayer, f"inconnu{number}", "mauvais").status_code == 200
    response = attempt(sprayer, titulaire_a.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert "bloquée temporairement" in response.text
    # The user is not locked everywhere: from their own computer they come in.
    assert attempt(Client(REMOTE_ADDR="10.0.0.21"), titulaire_a.username, TEST_PASSWORD).status_code == 302


def test_a_team_behind_one_address_with_a_few_typos_each_is_not_locked(settings, titulaire_a, preparateur_a):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    counter = Client(REMOTE_ADDR="10.0.0.30")
    for user in (titulaire_a, preparateur_a):
        for _ in range(3):
            attempt(counter, user.username, "mauvais")
    for number in range(6):
        attempt(counter, f"collegue{number}", "mauvais")
    assert attempt(counter, titulaire_a.username, TEST_PASSWORD).status_code == 302
