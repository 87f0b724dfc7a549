"""An object's history, newest first: who, when, and what changed field by field.

Reads the event tables `audit.tracking` fills. An update event holds the row as
it was *before* the change; what it became is the next event's row, or the
current row (`audit/tracking.py` says why). Views pass a pharmacy they loaded
through the access rule (`pharmacies.access`); every event, current row and
related object read here is restricted to that pharmacy, so a wrong lookup can
never show another pharmacy's history.

This module is the mechanism only and knows no app's models: which events make a
page's history is said by the app showing it (`rejections.selectors.
rejection_file_history`, `payments.selectors.bank_line_history`,
`backoffice.selectors.delegation_history`), each a list of `Subject`s; a model names
its objects by `audit_tracked(identity=...)` and, as a related object, by its
`history_label()` method.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from audit.context import JOB_LABELS
from audit.tracking import event_model_for, identity_field
from core.money import format_decimal, format_euros

ACTIONS = {"insert": "Création", "update": "Modification", "delete": "Suppression"}
NO_CONTEXT = "Hors application"  # a change made outside the app and its jobs (SQL by hand)
# Never shown as a change: they say whose row it is, not what it holds.
HIDDEN_FIELDS = {"id", "pharmacy"}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: dt.datetime
    action: str
    subject: str
    who: str
    changes: list[Change] = field(default_factory=list)
    order: tuple = ()
    context: dict | None = None  # pghistory's, turned into `who`


@dataclass(frozen=True)
class Subject:
    """Events of `model` matching `lookup` on its event table (e.g. {"pgh_obj_id": 3})."""

    model: type[models.Model]
    lookup: dict[str, Any]


def _owned_by(queryset: models.QuerySet, pharmacy: models.Model) -> models.QuerySet:
    if queryset.model is type(pharmacy):
        return queryset.filter(pk=pharmacy.pk)
    if any(f.name == "pharmacy" for f in queryset.model._meta.fields):
        return queryset.filter(pharmacy=pharmacy)
    return queryset  # shared reference data (organisms, reasons) and users


def _tracked_fields(model: type[models.Model], event_model: type[models.Model]) -> list[models.Field]:
    copied = {f.name for f in event_model._meta.fields}
    return [f for f in model._meta.fields if f.name in copied and f.name not in HIDDEN_FIELDS]


def _related_label(obj: models.Model) -> str:
    label = getattr(obj, "history_label", None)
    if callable(label):
        return label()
    if hasattr(obj, "get_full_name"):  # a user
        return obj.get_full_name() or obj.get_username()
    return str(obj)


class _Formatter:
    """Values as the pages show them: French dates, `1 234,56 €`, labels of choices and FKs."""

    def __init__(self, pharmacy: models.Model, fields: list[models.Field], rows: list[dict]):
        wanted: dict[type[models.Model], set] = defaultdict(set)
        for f in fields:
            if f.is_relation:
                wanted[f.related_model].update(r[f.attname] for r in rows if r.get(f.attname) is not None)
        self.related = {
            model: {obj.pk: _related_label(obj)
                    for obj in _owned_by(model._default_manager.filter(pk__in=ids), pharmacy)}
            for model, ids in wanted.items() if ids
        }

    def __call__(self, f: models.Field, value) -> str:
        if value is None or value == "":
            return "—"
        if f.is_relation:
            return self.related.get(f.related_model, {}).get(value, f"n° {value}")
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(f, models.DecimalField):
            return format_euros(value) if f.decimal_places == 2 else format_decimal(value, f.decimal_places)
        if isinstance(f, models.BooleanField):
            return "oui" if value else "non"
        if isinstance(f, models.DateTimeField):
            return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
        if isinstance(f, models.DateField):
            return f"{value:%d/%m/%Y}"
        return str(value)


def _label(f: models.Field) -> str:
    text = str(f.verbose_name)
    return text[:1].upper() + text[1:]


def _who(context: dict | None, users: dict[int, str]) -> str:
    if not context:
        return NO_CONTEXT
    parts = []
    if context.get("user") is not None:
        parts.append(users.get(context["user"], "compte supprimé"))
    if context.get("job"):
        job = JOB_LABELS.get(context["job"], context["job"])
        if context.get("step"):
            job += " — " + JOB_LABELS.get(context["step"], context["step"])
        parts.append(job)
    if context.get("command") and not context.get("job"):
        parts.append(f"commande {context['command']}")
    return " · ".join(parts) or NO_CONTEXT


def _entries(pharmacy: models.Model, subject: Subject, limit: int) -> tuple[list[HistoryEntry], set]:
    model, event_model = subject.model, event_model_for(subject.model)
    events = list(
        event_model.objects.filter(pharmacy_id=pharmacy.pk, **subject.lookup).order_by("-pgh_id")[:limit]
    )
    if not events:
        return [], set()
    fields = _tracked_fields(model, event_model)
    snapshots = [{f.attname: getattr(e, f.attname) for f in fields} for e in events]
    current = {
        row["pk"]: row
        for row in _owned_by(model._default_manager.filter(pk__in={e.pgh_obj_id for e in events}), pharmacy)
        .values("pk", *(f.attname for f in fields))
    }
    show = _Formatter(pharmacy, fields, snapshots + list(current.values()))
    identity = identity_field(model)
    verbose = str(model._meta.verbose_name)
    entries = []
    # Newest first: the state after an update is the (newer) event met just before, else the row.
    after_of: dict[int, dict | None] = {}
    for event, snapshot in zip(events, snapshots, strict=True):
        if event.pgh_label == "insert":
            before, after = {}, snapshot
        elif event.pgh_label == "delete":
            before, after = snapshot, {}
        else:
            before, after = snapshot, after_of.get(event.pgh_obj_id, current.get(event.pgh_obj_id))
        after_of[event.pgh_obj_id] = snapshot
        if after is None:  # the row went away unrecorded: nothing to compare with
            continue
        changes = [
            Change(_label(f), show(f, before.get(f.attname)), show(f, after.get(f.attname)))
            for f in fields
            if before.get(f.attname) != after.get(f.attname)
            and not (before.get(f.attname) in (None, "") and after.get(f.attname) in (None, ""))
        ]
        name = verbose[:1].upper() + verbose[1:]
        if identity:
            f = model._meta.get_field(identity)
            name += " " + show(f, snapshot.get(f.attname))
        entries.append(HistoryEntry(
            at=event.pgh_created_at, action=ACTIONS.get(event.pgh_label, event.pgh_label),
            subject=name, who="", changes=changes, order=(event.pgh_created_at, event.pgh_id),
            context=event.pgh_context,
        ))
    return entries, {e.context.get("user") for e in entries if e.context and e.context.get("user")}


def object_history(*, pharmacy: models.Model, subjects: Sequence[Subject], limit: int = 200) -> list[HistoryEntry]:
    """The events of `subjects`, newest first, at most `limit` per subject."""
    entries, user_ids = [], set()
    for subject in subjects:
        found, users = _entries(pharmacy, subject, limit)
        entries += found
        user_ids |= users
    names = {u.pk: _related_label(u) for u in get_user_model().objects.filter(pk__in=user_ids)}
    for entry in entries:
        entry.who = _who(entry.context, names)
    return sorted(entries, key=lambda e: e.order, reverse=True)
