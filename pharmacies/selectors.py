"""Reads about pharmacies, always through the access rule."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from pharmacies.access import visible_pharmacies
from pharmacies.models import Pharmacy, User


def pharmacies_for_user(*, user: User) -> QuerySet[Pharmacy]:
    return visible_pharmacies(user).order_by("name")


def pharmacy_overview(*, pharmacy: Pharmacy) -> dict:
    """A few headline counts, each one SQL aggregate."""
    from claims.models import OPEN_CLAIM_STATUSES, Claim
    from payments.models import BankLine
    from rejections.models import OPEN_REJECTION_STATUSES, Rejection

    claims = Claim.objects.filter(pharmacy=pharmacy).aggregate(
        total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_CLAIM_STATUSES))
    )
    return {
        "claims_total": claims["total"],
        "claims_open": claims["open"],
        "rejections_open": Rejection.objects.filter(
            pharmacy=pharmacy, status__in=OPEN_REJECTION_STATUSES
        ).count(),
        "bank_lines_unmatched": BankLine.objects.filter(
            pharmacy=pharmacy, status=BankLine.Status.UNMATCHED, amount__gt=0
        ).count(),
    }
