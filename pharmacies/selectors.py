"""Reads about pharmacies, always through the access rule."""

from __future__ import annotations

from django.db.models import QuerySet

from pharmacies.models import Pharmacy, StaffMember


def staff_members(*, pharmacy: Pharmacy) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(pharmacy=pharmacy).select_related("user").order_by(
        "-active", "last_name", "first_name"
    )
