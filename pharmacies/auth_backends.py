"""Login lockout (django-axes) for every login that comes through a request."""

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


class LockoutBackend(AxesStandaloneBackend):
    """Two locks: axes' per (username, address) after AXES_FAILURE_LIMIT failures, and
    per address across usernames after LOGIN_ADDRESS_FAILURE_LIMIT, so that spraying
    many usernames from one address is slowed too. The second limit is higher: a
    pharmacy's team shares one address, and a few typos each must not lock them all.

    Axes refuses `authenticate()` without a request; authentication without one
    (management commands, the test client's `login()`) cannot be brute-forced over
    the network, so it is let through to the model backend unchecked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("Too many failures from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)


def address_failures(request) -> int:
    """Failed logins from the request's address, all usernames, within the cool-off time."""
    cool_off = get_cool_off(request) or timedelta(hours=1)
    failures = AccessAttempt.objects.filter(
        ip_address=get_client_ip_address(request), attempt_time__gte=timezone.now() - cool_off
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return failures or 0
