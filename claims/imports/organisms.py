"""Payers named by a file but unknown to the table: created from the reference data or the file."""

from __future__ import annotations

from functools import cache

from claims.models import Organism
from claims.reference import ORGANISMS, OrganismEntry

# An unknown payer's delay until someone sets it (the model's default).
DEFAULT_DELAY_DAYS = Organism._meta.get_field("usual_delay_days").default


@cache
def _reference() -> dict[tuple[str, str], OrganismEntry]:
    return {(entry.kind, entry.code): entry for entry in ORGANISMS}


def organisms_create_missing(cursor, *, staging: str, kind: str, code: str, name: str | None) -> list[str]:
    """Create the organisms the staging table names and the table lacks; return their labels.

    The loop is over distinct payers of one file (a few hundred at most), not rows.
    """
    name_sql = f"max(NULLIF(s.{name}, ''))" if name else "NULL"
    cursor.execute(
        f"""
        SELECT s.{kind}, s.{code}, {name_sql}
        FROM {staging} s
        WHERE NOT EXISTS (
            SELECT 1 FROM claims_organism o WHERE o.kind = s.{kind} AND o.code = s.{code}
        )
        GROUP BY s.{kind}, s.{code}
        ORDER BY s.{kind}, s.{code}
        """
    )
    missing = cursor.fetchall()
    if not missing:
        return []
    values = []
    for payer_kind, payer_code, file_name in missing:
        entry = _reference().get((payer_kind, payer_code))
        if entry is not None:
            values.append((payer_kind, payer_code, entry.name, entry.operator, entry.usual_delay_days))
        else:
            values.append((payer_kind, payer_code, (file_name or "")[:200], "", DEFAULT_DELAY_DAYS))
    # One statement, not `executemany`: pghistory's context (the audit trail) cannot be
    # injected into an executemany (django-pghistory issue #258).
    cursor.execute(
        """
        INSERT INTO claims_organism (kind, code, name, operator, usual_delay_days)
        SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::int[])
        ON CONFLICT (kind, code) DO NOTHING
        """,
        [list(column) for column in zip(*values, strict=True)],
    )
    return [f"{label or '(sans nom)'} ({kind_} {code_})" for kind_, code_, label, _, _ in values]
