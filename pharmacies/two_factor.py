"""Two-factor authentication (TOTP + single-use recovery codes), with django-otp.

Required for Backoffice managers and supervisors (they see many pharmacies'
health data); available to pharmacy staff, and once a staff member turns it
on it is required for them too. `RequireTwoFactorMiddleware` sends a user who
must use it and has not yet proven it in this session to the set-up or the
verification page; nothing else is reachable meanwhile.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from pharmacies.models import User

RECOVERY_CODE_COUNT = 10
SETUP_DEVICE_NAME = "Application d'authentification"
RECOVERY_DEVICE_NAME = "Codes de secours"


def two_factor_required(user: User) -> bool:
    return user.is_backoffice or user_has_two_factor(user)


def user_has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@dataclass(frozen=True)
class PendingSetup:
    device: TOTPDevice
    secret_base32: str
    qr_code_data_uri: str


def totp_setup_start(*, user: User) -> PendingSetup:
    """The unconfirmed device the user scans (one per user, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=SETUP_DEVICE_NAME, confirmed=False)
    svg = io.BytesIO()
    write_qrcode_image(device.config_url, svg)
    return PendingSetup(
        device=device,
        secret_base32=base64.b32encode(device.bin_key).decode("ascii"),
        qr_code_data_uri="data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii"),
    )


@transaction.atomic
def totp_setup_confirm(*, request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Confirm the pending device with a first code; returns the recovery codes
    (shown once), or None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip()):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_renew(user=user)
    django_otp.login(request, device)
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_verify(*, request: HttpRequest, token: str) -> bool:
    """A TOTP code or a recovery code (consumed) proves the second factor for this session."""
    device = django_otp.match_token(request.user, token.strip().replace(" ", ""))
    if device is None:
        return False
    django_otp.login(request, device)
    return True


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


ALWAYS_REACHABLE = ("two_factor_setup", "two_factor_verify", "logout")


class RequireTwoFactorMiddleware:
    """Runs after django-otp's OTPMiddleware (which sets `user.is_verified()`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL)
            and not any(request.path == reverse(name) for name in ALWAYS_REACHABLE)
            and two_factor_required(user)
        ):
            target = "two_factor_verify" if user_has_two_factor(user) else "two_factor_setup"
            return HttpResponseRedirect(reverse(target))
        return self.get_response(request)
