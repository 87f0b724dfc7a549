"""What a real Celery worker started by a test needs to reach the test database."""

from __future__ import annotations

from urllib.parse import quote

from django.db import connection


def test_database_url() -> str:
    """The pytest database as a DATABASE_URL, over TCP or the embedded server's Unix socket."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        return f"postgres://{db['USER']}@{quote(host, safe='')}/{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test
