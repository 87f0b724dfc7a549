"""Two-factor authentication: required for Backoffice, available to staff (issue 9, item 1)."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD
from tests.sessions import current_code


def password_login(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD}, follow=True)


def test_a_manager_without_a_device_must_set_one_up_before_anything(client, manager_a):
    response = password_login(client, manager_a)
    assert response.redirect_chain[-1][0] == reverse("two_factor_setup")
    assert client.get(reverse("backoffice:portfolio")).status_code == 302


def test_setting_up_totp_gives_recovery_codes_and_opens_the_portfolio(client, manager_a):
    password_login(client, manager_a)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=manager_a, confirmed=False)

    response = client.post(reverse("two_factor_setup"), {"token": current_code(device)})
    assert "Codes de secours" in response.text
    assert len(response.context["codes"]) == 10
    assert client.get(reverse("backoffice:portfolio")).status_code == 200


def test_a_wrong_code_is_refused_in_french_and_opens_nothing(client, manager_a):
    password_login(client, manager_a)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=manager_a, confirmed=False)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    response = client.post(reverse("two_factor_setup"), {"token": wrong})
    assert "Code incorrect" in response.text
    assert client.get(reverse("backoffice:portfolio")).status_code == 302


def test_next_login_asks_for_the_code_and_a_recovery_code_works_once(client, manager_a):
    password_login(client, manager_a)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=manager_a)
    codes = client.post(reverse("two_factor_setup"), {"token": current_code(device)}).context["codes"]
    client.post(reverse("logout"))

    response = password_login(client, manager_a)
    assert response.redirect_chain[-1][0] == reverse("two_factor_verify")
    response = client.post(reverse("two_factor_verify"), {"token": codes[0]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("backoffice:portfolio")

    client.post(reverse("logout"))
    password_login(client, manager_a)
    reused = client.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert "Code incorrect" in reused.text


def test_staff_are_not_asked_unless_they_turned_it_on(client, titulaire_a, pharmacy_a):
    response = password_login(client, titulaire_a)
    assert response.redirect_chain[-1][0] == reverse("pharmacies:dashboard", args=[pharmacy_a.pk])

    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=titulaire_a)
    client.post(reverse("two_factor_setup"), {"token": current_code(device)})
    client.post(reverse("logout"))

    response = password_login(client, titulaire_a)
    assert response.redirect_chain[-1][0] == reverse("two_factor_verify")


def test_a_manager_cannot_turn_it_off_but_staff_can(client, login, manager_a, titulaire_a):
    TOTPDevice.objects.create(user=manager_a, confirmed=True)
    TOTPDevice.objects.create(user=titulaire_a, confirmed=True)
    manager = login(manager_a)
    assert manager.post(reverse("two_factor_disable")).status_code == 404
    assert TOTPDevice.objects.filter(user=manager_a).exists()
    staff = login(titulaire_a)
    staff.post(reverse("two_factor_disable"))
    assert not TOTPDevice.objects.filter(user=titulaire_a).exists()


def _manager_waiting_for_the_code(client, manager_a):
    device = TOTPDevice.objects.create(user=manager_a, confirmed=True)
    password_login(client, manager_a)
    return device


@pytest.mark.parametrize(
    "outside", ["https://evil.example/phish", "//evil.example/phish", "https:/evil.example"]
)
def test_after_the_code_a_next_to_another_site_lands_at_home_not_outside(client, manager_a, outside):
    device = _manager_waiting_for_the_code(client, manager_a)
    response = client.post(reverse("two_factor_verify") + "?next=" + outside, {"token": current_code(device)})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_after_the_code_a_local_next_is_followed(client, manager_a):
    device = _manager_waiting_for_the_code(client, manager_a)
    target = reverse("backoffice:work_queue") + "?categorie=amo_rights"
    response = client.post(reverse("two_factor_verify") + "?next=" + target, {"token": current_code(device)})
    assert response.status_code == 302 and response.url == target
