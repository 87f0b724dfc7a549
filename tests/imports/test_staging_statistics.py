"""The imports' staging tables are ANALYZEd once filled (issue 17): autovacuum never sees
TEMP tables, and a returns import planned on default guesses ran for minutes."""

from __future__ import annotations

import io

import pytest
from django.db import connection, transaction

from claims.imports import claims_sql, returns_sql
from claims.models import ImportBatch
from tests.imports.helpers import CPAM_RHONE, RETURNS_HEADER, claims_text

pytestmark = pytest.mark.django_db


def reltuples(cursor, table: str) -> float:
    """The planner's row count of this session's table: -1 until it is analysed (COPY does not set it)."""
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
    return cursor.fetchone()[0]


def batch(pharmacy, kind: str) -> ImportBatch:
    return ImportBatch.objects.create(pharmacy=pharmacy, kind=kind, file_name="f.csv", sha256="0" * 64)


def test_the_returns_staging_table_is_analysed_once_filled(pharmacy_a):
    rows = [f"{pharmacy_a.finess};10000000{i};AMO;{CPAM_RHONE};PAYE;10,00;;;B-1;10/01/2026;09/01/2026"
            for i in range(1, 6)]
    source = io.BytesIO("\n".join([RETURNS_HEADER, *rows, ""]).encode())
    with transaction.atomic(), connection.cursor() as cursor:
        result = returns_sql.returns_import(cursor=cursor, pharmacy=pharmacy_a,
                                            batch_id=batch(pharmacy_a, "returns").pk, source=source)
        assert result.ok and result.counts["rows"] == 5
        assert reltuples(cursor, returns_sql.STAGING) == 5


def test_the_claims_staging_tables_are_analysed_once_filled(pharmacy_a):
    source = io.BytesIO(claims_text(pharmacy_a.finess, 5).encode())
    with transaction.atomic(), connection.cursor() as cursor:
        result = claims_sql.claims_import(cursor=cursor, pharmacy=pharmacy_a, chunk_rows=2,
                                          batch_id=batch(pharmacy_a, "claims").pk, source=source)
        assert result.ok and result.counts["created"] == 5
        # Every key, analysed before the duplicates are grouped; the chunks' table
        # analysed at its first chunk (2 rows), which the next chunks keep.
        assert reltuples(cursor, claims_sql.KEYS) == 5
        assert reltuples(cursor, claims_sql.STAGING) == 2
