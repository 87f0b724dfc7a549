"""Times a backup and a restore of the database it is given, and says how big they are.

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/tp_backup_bench \\
        .venv/bin/python bench/backup_restore.py

Build the data first (e.g. `bench/matching_bench.py --claims 1000000`, which leaves
its last data set and the night's audit events in place). Restores into a new
database `<name>_restored`, dropped at the end. Prints one JSON line: claims, the
database's size, the dump's size, backup and restore seconds, and both per million
claims (the figure docs/security.md extrapolates to 10 million).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # a development run (the settings fail closed)

import django  # noqa: E402

django.setup()
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from pharmacies.row_security import operator_process  # noqa: E402
from tiers_payant.backup import backup_create, backup_restore, restored_database_connection  # noqa: E402

operator_process()  # a bench holds the server: every pharmacy (row-level security)


def main() -> None:
    name = settings.DATABASES["default"]["NAME"]
    restored = f"{name}_restored"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM claims_claim")
        claims = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = cursor.fetchone()[0]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        backup = backup_create(directory=Path(folder))
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        backup_restore(database_dump=backup.database, media_archive=None, into_database=restored)
        restore_s = time.perf_counter() - started
        dump_bytes = backup.database.stat().st_size
    with psycopg.connect(**restored_database_connection("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
    per_million = 1_000_000 / claims
    print(json.dumps({
        "claims": claims, "database_mb": round(database_bytes / 2**20), "dump_mb": round(dump_bytes / 2**20),
        "backup_s": round(backup_s, 1), "restore_s": round(restore_s, 1),
        "backup_s_per_million_claims": round(backup_s * per_million, 1),
        "restore_s_per_million_claims": round(restore_s * per_million, 1),
    }))


if __name__ == "__main__":
    main()
