"""Logging test users in, second factor included (the 2FA flow itself is tested in
tests/security/test_two_factor.py)."""

from __future__ import annotations

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pharmacies.two_factor import two_factor_required
from tests.factories import TEST_PASSWORD


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )


def current_code(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{value:0{device.digits}d}"


def two_factor_pass(client, user) -> None:
    """Mark the client's session as having passed the second factor, as the
    verification page does, for a user who must use one."""
    if not two_factor_required(user):
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.save()


def log_in_through_the_form(client, user):
    """Password, then the 6-digit code when the user must give one; follows redirects."""
    if two_factor_required(user):
        confirmed_device(user)
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD}, follow=True)
    if response.redirect_chain and response.redirect_chain[-1][0] == reverse("two_factor_verify"):
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        response = client.post(reverse("two_factor_verify"), {"token": current_code(device)}, follow=True)
    return response


def log_in_through_the_browser(page, base_url: str, user) -> None:
    """The same through the real login page in Playwright."""
    if two_factor_required(user):
        confirmed_device(user)
    page.goto(f"{base_url}/comptes/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    if two_factor_required(user):
        page.wait_for_url("**/comptes/2fa/verifier/")
        page.fill("#id_token", current_code(TOTPDevice.objects.get(user=user, confirmed=True)))
        # The page's own button, not the header's "Se déconnecter".
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: "/comptes/" not in url)
