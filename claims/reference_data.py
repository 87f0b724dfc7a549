"""Upsert of reference data (catalogue, payers) from the pure modules into the database.

Used by data migrations with historical models: rows are matched by their
natural key, created when missing, updated otherwise; rows the application
added itself (e.g. reasons "à classer") are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable


def reference_rows_upsert(
    model, entries: Iterable, *, key: tuple[str, ...], fields: tuple[str, ...], on_update: dict | None = None
) -> int:
    existing = {tuple(getattr(row, k) for k in key): row for row in model.objects.all()}
    to_create, to_update = [], []
    for entry in entries:
        values = {field: getattr(entry, field) for field in fields}
        row = existing.get(tuple(getattr(entry, k) for k in key))
        if row is None:
            to_create.append(model(**{k: getattr(entry, k) for k in key}, **values))
            continue
        for field, value in {**values, **(on_update or {})}.items():
            setattr(row, field, value)
        to_update.append(row)
    model.objects.bulk_create(to_create)
    model.objects.bulk_update(to_update, [*fields, *(on_update or {})])
    return len(to_create) + len(to_update)
