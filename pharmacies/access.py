"""The one access rule: the set of pharmacies a user may see.

- pharmacy staff: their own pharmacy;
- Backoffice manager: the delegated pharmacies assigned to them;
- Backoffice supervisor: every delegated pharmacy.

Every selector and service that reads or writes tenant data takes this set
(`visible_pharmacies`) or filters through `scope`. Views load objects with
`get_visible_or_404` / `pharmacy_or_404`: an object outside the set answers
404, so a stranger cannot even learn that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django_htmx.middleware import HtmxDetails

from pharmacies.models import Pharmacy, User


class AuthenticatedHttpRequest(HttpRequest):
    """What a view behind `pharmacy_view`, `backoffice_view` or `supervisor_view`
    receives (for the type checker): a signed-in `User`, and django-htmx's details."""

    user: User
    htmx: HtmxDetails


def visible_pharmacies(user: User | AnonymousUser) -> QuerySet[Pharmacy]:
    if not (user.is_authenticated and user.is_active):
        return Pharmacy.objects.none()
    if user.kind == User.Kind.SUPERVISOR:
        return Pharmacy.objects.delegated()
    if user.kind == User.Kind.MANAGER:
        return Pharmacy.objects.delegated().filter(manager_assignments__manager=user)
    return Pharmacy.objects.filter(staff__user=user, staff__active=True)


def scope[M: Model](queryset: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """Restrict a queryset of tenant-owned rows (with a `pharmacy` FK) to the user's set."""
    return queryset.filter(pharmacy__in=visible_pharmacies(user))


def pharmacy_or_404(user: User, pharmacy_id: int) -> Pharmacy:
    try:
        return visible_pharmacies(user).get(pk=pharmacy_id)
    except Pharmacy.DoesNotExist:
        raise Http404("Pharmacie introuvable") from None


def get_visible_or_404[M: Model](queryset: QuerySet[M], user: User | AnonymousUser, **lookup) -> M:
    try:
        return scope(queryset, user).get(**lookup)
    except ObjectDoesNotExist:  # the model's own DoesNotExist is one of these
        raise Http404("Introuvable") from None


def pharmacy_view(view: Callable) -> Callable:
    """For views under /pharmacies/<pharmacy_id>/: login required, and the
    `pharmacy_id` argument replaced by the Pharmacy, or 404 if not visible."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, pharmacy_id: int, *args, **kwargs):
        pharmacy = pharmacy_or_404(request.user, pharmacy_id)
        return view(request, pharmacy, *args, **kwargs)

    return wrapper


def staff_member_of(user: User, pharmacy: Pharmacy):
    """The user's StaffMember row in this pharmacy, or None (Backoffice users)."""
    if user.kind != User.Kind.PHARMACY:
        return None
    return pharmacy.staff.filter(user=user).first()


def is_titulaire(user: User, pharmacy: Pharmacy) -> bool:
    member = staff_member_of(user, pharmacy)
    return member is not None and member.role == "titulaire"


# The Backoffice's pages: managers and supervisors; others get 404 (the pages of
# any app may be the Backoffice's, so the rule sits here, below them all).
def backoffice_view(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs):
        if not request.user.is_backoffice:
            raise Http404("Page réservée au service Backoffice")
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_view(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs):
        if request.user.kind != User.Kind.SUPERVISOR:
            raise Http404("Page réservée aux superviseurs")
        return view(request, *args, **kwargs)

    return wrapper
