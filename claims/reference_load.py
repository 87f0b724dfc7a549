"""Loads the payers' reference data (`claims/reference.py`) into `Organism`.

Called by data migrations with the historical model. Organisms created from
imported files keep their rows; reference rows are upserted by (kind, code).
"""

from __future__ import annotations

from claims.reference import ORGANISMS
from claims.reference_data import reference_rows_upsert

FIELDS = ("name", "operator", "usual_delay_days")


def organism_reference_sync(organism_model) -> int:
    return reference_rows_upsert(organism_model, ORGANISMS, key=("kind", "code"), fields=FIELDS)
