"""Password rules and sessions (issue 9, item 1)."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD


@pytest.mark.parametrize("password", ["court1!", "password123456", "123456789012345", "iloveyou2"])
def test_weak_or_breached_passwords_are_refused(db, password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_unusual_password_is_accepted(db):
    validate_password("officine-lyon-ordonnance-42")


def test_log_out_my_other_sessions_keeps_this_one(titulaire_a, pharmacy_a):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.login(username=titulaire_a.username, password=TEST_PASSWORD)
    dashboard = reverse("pharmacies:dashboard", args=[pharmacy_a.pk])
    assert elsewhere.get(dashboard).status_code == 200

    response = here.post(reverse("account_end_other_sessions"), follow=True)

    assert "Vos autres sessions sont fermées" in response.text
    assert here.get(dashboard).status_code == 200
    assert elsewhere.get(dashboard).status_code == 302  # back to the login page
