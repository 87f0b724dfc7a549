"""Loads the reason catalogue (`rejections/catalogue.py`) into the database.

Called by data migrations with the historical model, so that a later change of
the catalogue ships as one more migration calling the same function. Rows
added "à classer" by returns are left alone; catalogue rows are upserted.
"""

from __future__ import annotations

from rejections.catalogue import REASONS

FIELDS = (
    "label", "category", "fault", "advice_fix", "advice_prevent", "avoidable_at_counter",
)


def reason_catalogue_sync(reason_model) -> int:
    existing = {(r.payer_kind, r.code): r for r in reason_model.objects.all()}
    to_create, to_update = [], []
    for entry in REASONS:
        values = {field: getattr(entry, field) for field in FIELDS}
        row = existing.get((entry.payer_kind, entry.code))
        if row is None:
            to_create.append(reason_model(code=entry.code, payer_kind=entry.payer_kind, **values))
        else:
            for field, value in values.items():
                setattr(row, field, value)
            row.to_classify = False
            to_update.append(row)
    reason_model.objects.bulk_create(to_create)
    reason_model.objects.bulk_update(to_update, [*FIELDS, "to_classify"])
    return len(to_create) + len(to_update)
