"""Loads the payers' reference data (`claims/reference.py`) into `Organism`.

Called by data migrations with the historical model. Organisms created from
imported files keep their rows; reference rows are upserted by (kind, code).
"""

from __future__ import annotations

from claims.reference import ORGANISMS

FIELDS = ("name", "operator", "usual_delay_days")


def organism_reference_sync(organism_model) -> int:
    existing = {(o.kind, o.code): o for o in organism_model.objects.all()}
    to_create, to_update = [], []
    for entry in ORGANISMS:
        values = {field: getattr(entry, field) for field in FIELDS}
        row = existing.get((entry.kind, entry.code))
        if row is None:
            to_create.append(organism_model(kind=entry.kind, code=entry.code, **values))
        else:
            for field, value in values.items():
                setattr(row, field, value)
            to_update.append(row)
    organism_model.objects.bulk_create(to_create)
    organism_model.objects.bulk_update(to_update, list(FIELDS))
    return len(to_create) + len(to_update)
