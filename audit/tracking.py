"""`audit_tracked`: the one way a model gets an audit trail (django-pghistory).

Every tracked model gets an event model `<Model>History` in its own app, filled
by PostgreSQL triggers, so the nightly job's set-based SQL and the importer's
upserts are recorded like the ORM's saves:

- **statement-level** triggers: one `INSERT … SELECT` from the transition
  tables per statement, not one PL/pgSQL call per row (the nightly job updates
  tens of thousands of claims in one statement);
- an update writes the row as it was **before** (`OLD`), and only when a
  tracked field really changed (pghistory's `AnyChange` condition), so a no-op
  UPDATE, or one touching only `updated_at`, writes nothing. What it became is
  the next event's row, or the current row: `audit.history` pairs them;
- a delete writes the last row; an insert writes the new row, unless
  `inserts=False` (claims: their creation is the ImportBatch's, see
  docs/decisions.md, "Audit trail");
- `auto_now` / `auto_now_add` columns are not copied (`pgh_created_at` says when);
- who: the pghistory context, denormalised into each event (`pgh_context`
  JSON: user and URL from the middleware, or the job and pharmacy from
  `audit.context.audit_job`), so no table is shared between pharmacies;
- every event table keeps `pharmacy_id` (the tenant, for row-level security)
  and its one index starts with it: `(pharmacy_id, pgh_obj_id, pgh_id)`;
- event tables are append-only (a trigger refuses UPDATE and DELETE).

Workaround (pghistory 3.9.2): its statement-level trigger always upserts the
context into the shared `pghistory_context` table (`_pgh_attach_context()`),
even when the context is denormalised into the event, where nothing reads it.
That is a write per statement into a table no pharmacy owns (outside
row-level security), holding every tenant's users and URLs. `_StatementEvent`
drops that call from the trigger's SQL; the import of this module fails loudly
if a new pghistory version changes the SQL it expects.
"""

from __future__ import annotations

from collections.abc import Sequence

import pghistory
import pgtrigger
from django.db import models

_ATTACH_CONTEXT = "WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) "
_ATTACHED_CONTEXT_JOIN = ", _pgh_attached_context;"


class _StatementEvent(pghistory.trigger.Event):
    """pghistory's trigger without the unused write to `pghistory_context` (see above)."""

    def get_func(self, model):
        sql = super().get_func(model).func
        if _ATTACH_CONTEXT not in sql or _ATTACHED_CONTEXT_JOIN not in sql:
            raise RuntimeError("pghistory's statement-level trigger SQL changed: review audit/tracking.py")
        return pgtrigger.Func(sql.replace(_ATTACH_CONTEXT, "").replace(_ATTACHED_CONTEXT_JOIN, ";"))


class _Tracker:
    def add_event_trigger(self, event_model):
        pgtrigger.register(_StatementEvent(
            event_model=event_model, label=self.label, name=self.trigger_name, row=self.row,
            operation=self.operation, condition=self.condition, level=self.level,
        ))(event_model.pgh_tracked_model)


class _Insert(_Tracker, pghistory.InsertEvent):
    pass


class _Update(_Tracker, pghistory.UpdateEvent):
    pass


class _Delete(_Tracker, pghistory.DeleteEvent):
    pass


def event_model_for(model: type[models.Model]) -> type[models.Model]:
    """The event model `audit_tracked` made for a tracked model."""
    return model._meta.apps.get_model(model._meta.app_label, f"{model.__name__}History")


def _is_auto_timestamp(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


# The field that names one object among others of its kind on a history page (which slip a
# link pays), declared by each tracked model's app: `audit_tracked(identity=...)`.
_IDENTITIES: dict[type[models.Model], str] = {}


def identity_field(model: type[models.Model]) -> str | None:
    return _IDENTITIES.get(model)


def audit_tracked(*, inserts: bool = True, exclude: Sequence[str] = (),
                  fields: Sequence[str] | None = None, looked_up_by: Sequence[str] = (),
                  identity: str | None = None):
    """Class decorator: record inserts (optional), real updates and deletes of the model.

    `exclude`: columns never copied into events (e.g. patient identity, which the
    retention purge must be able to erase for good). `fields`: copy only these.
    A model without a `pharmacy` FK is the pharmacy itself: its event table gets
    `pharmacy_id` as a column generated from the copied `id`. `looked_up_by`: columns
    a page finds events by (a bank line's links), each indexed after `pharmacy_id`.
    `identity`: the field a history page names an object by (e.g. a claim's number).
    """

    def decorate(model: type[models.Model]) -> type[models.Model]:
        if identity:
            _IDENTITIES[model] = identity
        local = model._meta.local_fields
        skipped = {f.name for f in local if _is_auto_timestamp(f)} | set(exclude)
        copied = [f.name for f in local if f.name not in skipped and (fields is None or f.name in fields)]
        if "id" not in copied:
            copied.insert(0, "id")
        trackers = [_Update(row=pghistory.Old), _Delete()]
        if inserts:
            trackers.insert(0, _Insert())
        attrs = {}
        if "pharmacy" not in {f.name for f in local}:
            attrs["pharmacy_id"] = models.GeneratedField(
                expression=models.F("id"), output_field=models.BigIntegerField(),
                db_persist=True,
            )
        pghistory.track(
            *trackers,
            fields=copied,
            obj_field=pghistory.ObjForeignKey(
                related_name="audit_events", related_query_name="audit_event", db_index=False
            ),
            context_field=pghistory.ContextJSONField(),
            model_name=f"{model.__name__}History",
            level=pgtrigger.Statement,
            append_only=True,
            attrs=attrs,
            meta={
                "verbose_name": f"historique : {model._meta.verbose_name}",
                "indexes": [
                    models.Index(fields=["pharmacy_id", "pgh_obj", "pgh_id"],
                                 name=f"{model._meta.db_table[:14]}_audit_idx"),
                    *(models.Index(fields=["pharmacy_id", column],
                                   name=f"{model._meta.db_table[:14]}_audit_{column[:8]}")
                      for column in looked_up_by),
                ],
            },
        )(model)
        return model

    return decorate
