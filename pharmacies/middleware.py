"""Responses to a signed-in person hold health data: no cache keeps them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in user.

    Worklists, rejection files, report PDFs and Excel exports must not stay in the
    browser cache of a counter PC shared by the team, nor in a proxy's. Static
    files are served by WhiteNoise before this runs and keep their long cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
