"""Loads the reason catalogue (`rejections/catalogue.py`) into the database.

Called by data migrations with the historical model, so that a later change of
the catalogue ships as one more migration calling the same function. Rows
added "à classer" by returns are left alone; catalogue rows are upserted (and
stop being "à classer" once the catalogue knows them).
"""

from __future__ import annotations

from claims.reference_data import reference_rows_upsert
from rejections.catalogue import REASONS

FIELDS = (
    "label", "category", "fault", "advice_fix", "advice_prevent", "avoidable_at_counter",
)


def reason_catalogue_sync(reason_model) -> int:
    return reference_rows_upsert(
        reason_model, REASONS, key=("payer_kind", "code"), fields=FIELDS, on_update={"to_classify": False}
    )
