"""What the navigation shows: only what the user's role may use."""

from __future__ import annotations

from django.http import HttpRequest

from pharmacies.models import User


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    role = user.kind
    home_pharmacy = None
    # The header names the person's job: "Titulaire" or "Préparateur", not the
    # account's kind ("Personnel de pharmacie"), which says nothing to them.
    role_label = user.get_kind_display()
    if role == User.Kind.PHARMACY:
        member = getattr(user, "staff_member", None)
        home_pharmacy = member.pharmacy if member else None
        if member is not None:
            role_label = member.get_role_display()
    return {
        "nav_role": role,
        "nav_role_label": role_label,
        "nav_is_backoffice": user.is_backoffice,
        "nav_is_supervisor": role == User.Kind.SUPERVISOR,
        "nav_home_pharmacy": home_pharmacy,
    }
