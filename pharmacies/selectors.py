"""Reads about pharmacies, always through the access rule."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from pharmacies.models import Pharmacy, StaffMember, StaffRole, User


def staff_members(*, pharmacy: Pharmacy) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(pharmacy=pharmacy).select_related("user").order_by(
        "-active", "last_name", "first_name"
    )


def digest_recipients() -> QuerySet[User]:
    """Who gets the daily e-mail digest today: active, with an address, and who asked for
    it or left their role's default on (titulaires, managers, supervisors; User.wants_daily_digest)."""
    titulaire = Exists(StaffMember.objects.filter(user=OuterRef("pk"), active=True, role=StaffRole.TITULAIRE))
    default_on = Q(kind__in=[User.Kind.MANAGER, User.Kind.SUPERVISOR]) | titulaire
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(daily_digest=True) | Q(daily_digest__isnull=True) & default_on)
        .order_by("pk")
    )
