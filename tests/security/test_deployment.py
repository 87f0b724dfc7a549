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


def _settings_in_a_fresh_process(**environment) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "DJANGO_SECRET_KEY"}}
    env.update(environment)
    code = "from django.conf import settings; print('DEBUG', settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR, env={**env, "DJANGO_SETTINGS_MODULE": "tiers_payant.settings"},
        capture_output=True, text=True, timeout=120,
    )


def test_without_a_secret_key_and_debug_not_asked_the_process_refuses_to_start():
    result = _settings_in_a_fresh_process()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY manquant" in result.stderr


def test_debug_is_off_unless_asked():
    result = _settings_in_a_fresh_process(DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout

    asked = _settings_in_a_fresh_process(DJANGO_DEBUG="1")
    assert asked.returncode == 0, asked.stderr
    assert "DEBUG True" in asked.stdout
