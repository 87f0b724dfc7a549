"""Writes about a user's own account (sessions, security)."""

from __future__ import annotations

import secrets

from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest

from pharmacies.models import User


def user_other_sessions_end(*, request: HttpRequest, user: User) -> None:
    """Log the user out everywhere but here: the session hash changes, the current
    session is re-signed, every other session fails its check on its next request."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])
    update_session_auth_hash(request, user)
