"""Writes of the Backoffice service: delegation, the split of rejections, time spent, contacts."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.context import audit_job
from backoffice.models import ContactLog, DelegationRule, ManagerAssignment, TimeEntry
from claims.models import Organism
from pharmacies.models import DelegationMode, Pharmacy, User
from rejections.models import HandledBy, ReasonCategory, RejectionReason
from rejections.services import rejections_handlers_assign


@transaction.atomic
def delegation_set(
    *,
    pharmacy: Pharmacy,
    mode: str,
    hours_per_month: int | None,
    start: dt.date | None,
    managers: Iterable[User],
    actor: User,
) -> Pharmacy:
    """The supervisor's decision: mode, contract hours, start date and who handles the pharmacy."""
    if actor.kind != User.Kind.SUPERVISOR:
        raise ValidationError("Seul un superviseur décide de la délégation.")
    if mode == DelegationMode.PARTIAL and not hours_per_month:
        raise ValidationError("Une délégation partielle fixe un nombre d'heures par mois.")
    pharmacy.delegation_mode = mode
    pharmacy.delegation_hours_per_month = hours_per_month if mode == DelegationMode.PARTIAL else None
    pharmacy.delegation_start = start if mode != DelegationMode.NONE else None
    pharmacy.save(
        update_fields=["delegation_mode", "delegation_hours_per_month", "delegation_start"]
    )
    manager_ids = {m.pk for m in managers} if mode != DelegationMode.NONE else set()
    if User.objects.filter(pk__in=manager_ids).exclude(kind=User.Kind.MANAGER).exists():
        raise ValidationError("Seul un gestionnaire Backoffice peut être affecté.")
    ManagerAssignment.objects.filter(pharmacy=pharmacy).exclude(manager_id__in=manager_ids).delete()
    ManagerAssignment.objects.bulk_create(
        [ManagerAssignment(pharmacy=pharmacy, manager_id=pk) for pk in manager_ids],
        ignore_conflicts=True,
    )
    delegation_rules_apply(pharmacy_ids=[pharmacy.pk])
    return pharmacy


@transaction.atomic
def pharmacy_reassign(*, pharmacy: Pharmacy, manager: User, actor: User) -> Pharmacy:
    """Hand a delegated pharmacy over to one manager; the delegation itself is unchanged."""
    if pharmacy.delegation_mode == DelegationMode.NONE:
        raise ValidationError("Seule une pharmacie déléguée peut être confiée à un gestionnaire.")
    return delegation_set(
        pharmacy=pharmacy,
        mode=pharmacy.delegation_mode,
        hours_per_month=pharmacy.delegation_hours_per_month,
        start=pharmacy.delegation_start,
        managers=[manager],
        actor=actor,
    )


@transaction.atomic
def delegation_rules_save(*, pharmacy: Pharmacy, rules: dict[str, str], actor: User) -> int:
    """Set who works each reason category of a partial delegation, then apply the rules."""
    if not actor.is_backoffice:
        raise ValidationError("Seul le Backoffice répartit le travail avec la pharmacie.")
    unknown = set(rules) - set(ReasonCategory.values) or set(rules.values()) - set(HandledBy.values)
    if unknown:
        raise ValidationError("Catégorie ou valeur inconnue.")
    DelegationRule.objects.bulk_create(
        [DelegationRule(pharmacy=pharmacy, category=c, handled_by=h) for c, h in rules.items()],
        update_conflicts=True,
        unique_fields=["pharmacy", "category"],
        update_fields=["handled_by"],
    )
    return delegation_rules_apply(pharmacy_ids=[pharmacy.pk])


def _pharmacy_mode_is(mode: str) -> Exists:
    # An UPDATE cannot join: the rejection's pharmacy is read through a subquery.
    return Exists(Pharmacy.objects.filter(pk=OuterRef("pharmacy_id"), delegation_mode=mode))


def delegation_rules_apply(*, pharmacy_ids: Iterable[int], only_changed: bool = False) -> int:
    """Who works each open rejection, in one UPDATE, after each change of the delegation
    and, for the rows whose rule moved (a reason classified since), by the night:

    total delegation → the Backoffice; no delegation → the pharmacy; partial → the
    rule of the reason's category (the pharmacy when there is none). A handler
    chosen by hand (`handled_by_overridden`) is kept. Idempotent. The same rule, as
    data, gives a new rejection its handler when the night opens it
    (`backoffice.selectors.delegation_handlers`).
    """
    pharmacy_ids = list(pharmacy_ids)
    with audit_job("delegation_rules", pharmacy_id=pharmacy_ids[0] if len(pharmacy_ids) == 1 else None):
        return _delegation_rules_apply(pharmacy_ids, only_changed=only_changed)


def delegation_handler() -> Case:
    """The rule, as an expression over a rejection's row (its pharmacy and reason)."""
    rule = Subquery(
        DelegationRule.objects.filter(
            pharmacy_id=OuterRef("pharmacy_id"),
            category__in=RejectionReason.objects.filter(pk=OuterRef(OuterRef("reason_id"))).values(
                "category"
            ),
        ).values("handled_by")[:1]
    )
    return Case(
        When(_pharmacy_mode_is(DelegationMode.TOTAL), then=Value(HandledBy.BACKOFFICE)),
        When(
            _pharmacy_mode_is(DelegationMode.PARTIAL),
            then=Coalesce(rule, Value(HandledBy.PHARMACY)),
        ),
        default=Value(HandledBy.PHARMACY),
        output_field=CharField(),
    )


def _delegation_rules_apply(pharmacy_ids: list[int], only_changed: bool = False) -> int:
    # The rejections are rejections' rows: it writes them, by the Backoffice's rule.
    return rejections_handlers_assign(
        pharmacy_ids=pharmacy_ids, handler=delegation_handler(), only_changed=only_changed
    )


def time_entry_start(*, pharmacy: Pharmacy, manager: User) -> TimeEntry:
    """Start the clock on a pharmacy; a clock already running there is kept."""
    running = TimeEntry.objects.filter(
        pharmacy=pharmacy, manager=manager, started_at__isnull=False, minutes=0
    ).first()
    if running:
        return running
    return TimeEntry.objects.create(
        pharmacy=pharmacy, manager=manager, day=timezone.localdate(), started_at=timezone.now()
    )


def time_entry_stop(*, pharmacy: Pharmacy, manager: User) -> TimeEntry | None:
    running = TimeEntry.objects.filter(
        pharmacy=pharmacy, manager=manager, started_at__isnull=False, minutes=0
    ).first()
    if running is None:
        return None
    elapsed = (timezone.now() - running.started_at).total_seconds() / 60
    # At least one minute: a stopped clock with 0 minutes would look still running.
    running.minutes = max(1, math.ceil(elapsed))
    running.save(update_fields=["minutes"])
    return running


def time_entry_add(
    *, pharmacy: Pharmacy, manager: User, day: dt.date, minutes: int, note: str = ""
) -> TimeEntry:
    if minutes <= 0:
        raise ValidationError("La durée doit être positive.")
    return TimeEntry.objects.create(
        pharmacy=pharmacy, manager=manager, day=day, minutes=minutes, note=note[:255]
    )


def contact_log_add(
    *,
    pharmacy: Pharmacy,
    organism: Organism,
    channel: str,
    day: dt.date,
    notes: str,
    actor: User,
    reminder=None,
) -> ContactLog:
    return ContactLog.objects.create(
        pharmacy=pharmacy, organism=organism, channel=channel, day=day, notes=notes,
        created_by=actor, reminder=reminder,
    )
