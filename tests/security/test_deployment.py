"""Headers and production settings (issue 9, item 4)."""

import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.urls import reverse

from tests.workers import test_database_url


def test_every_page_carries_a_csp_without_inline_script(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.text  # only <script src=…> tags


def test_check_deploy_is_clean_with_production_settings(db):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "tiers-payant.example",
        # The database checks too: the role must be subject to row-level security.
        "DATABASE_URL": test_database_url(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--database", "default", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sessions_expire_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
