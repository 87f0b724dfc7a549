"""What every request passes before a view: its body's size, and no cache of health data."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from pharmacies.api_tokens import API_PATH_PREFIX


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


class RequestBodyLimitMiddleware:
    """Refuses a request body over its limit from its Content-Length, before reading it.

    Django reads no more than Content-Length, so deciding on the header alone means
    nothing of an oversized body is spooled: not by the CSRF check (which reads the
    form), not by the upload handlers. A signed-in person may send an imported file's
    worth (`REQUEST_BODY_MAX_BYTES`); anyone else a login form's worth
    (`ANONYMOUS_BODY_MAX_BYTES`), so an anonymous upload is refused unread too. A
    machine's deposit (`pharmacies.api_tokens`) has no session: under `API_PATH_PREFIX`
    with a `Bearer` token it may send a file's worth too, as its view checks the token
    from the headers before it reads the body; a Bearer header anywhere else changes nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _too_large(request, "Taille de la requête illisible.", status=400)
        if (
            length > settings.ANONYMOUS_BODY_MAX_BYTES
            and not request.user.is_authenticated
            and not _token_deposit(request)
        ):
            return _too_large(request, "Connectez-vous avant d'envoyer un fichier.", status=403)
        if length > settings.REQUEST_BODY_MAX_BYTES:
            limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
            return _too_large(
                request,
                f"Fichier trop volumineux : {limit} Mo au plus. "
                "Découpez l'export (par exemple un mois à la fois) puis réessayez.",
                status=413,
            )
        return self.get_response(request)


def _token_deposit(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PATH_PREFIX) and request.headers.get(
        "Authorization", ""
    ).lower().startswith("bearer ")


def _too_large(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    if request.path_info.startswith(API_PATH_PREFIX):  # a script reads JSON (claims.api)
        response: HttpResponse = JsonResponse(
            {"status": "refusé", "message": message}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(request, "refused_request.html", {"message": message}, status=status)
    # The body was not read: the connection cannot carry another request.
    response["Connection"] = "close"
    return response
