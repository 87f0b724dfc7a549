"""Where a `next` (or `retour`) parameter may send a person: only back into this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_url_or(request: HttpRequest, url: str | None, default: str) -> str:
    """`url` when it is a path of this site (same host, same scheme security), else `default`.

    A link to another site after a login or a second factor is the classic phishing
    relay (issue: open redirect after 2FA), so anything not local falls back.
    """
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default
