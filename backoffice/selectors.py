"""Reads of the Backoffice service, through the access rule."""

from __future__ import annotations

from django.db.models import QuerySet, StringAgg, Value

from pharmacies.access import visible_pharmacies
from pharmacies.models import Pharmacy, User


def supervision_rows(*, user: User) -> QuerySet[Pharmacy]:
    """Every pharmacy the supervisor sees, with its managers' names in one query."""
    return visible_pharmacies(user).annotate(
        managers=StringAgg(
            "manager_assignments__manager__username",
            delimiter=Value(", "),
            order_by="manager_assignments__manager__username",
        )
    ).order_by("name")
