"""Who may use the Backoffice pages: managers and supervisors; others get 404."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest

from pharmacies.models import User


def backoffice_view(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_backoffice:
            raise Http404("Page réservée au service Backoffice")
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_view(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.kind != User.Kind.SUPERVISOR:
            raise Http404("Page réservée aux superviseurs")
        return view(request, *args, **kwargs)

    return wrapper
