"""Login lockout (django-axes) for every login that comes through a request."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes refuses `authenticate()` without a request; authentication without one
    (management commands, the test client's `login()`) cannot be brute-forced over
    the network, so it is let through to the model backend unchecked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
