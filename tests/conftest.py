"""The personas every view test uses (as healthchecks does in hc/test.py).

- `titulaire_a`: the owner pharmacist of pharmacy A (delegated, total);
- `preparateur_a`: counter staff of pharmacy A;
- `manager_a`: the Backoffice manager A is delegated to (also handles B);
- `manager_c`: a manager of another pharmacy (C), who must never see A;
- `preparateur_n`, `titulaire_n`: staff of pharmacy N, which works its own file;
- `supervisor`: sees every delegated pharmacy;
- `pharmacy_a`, `pharmacy_b`, `pharmacy_c`, `pharmacy_n`; a rejection in each of A, B, N.
"""

from __future__ import annotations

import os
import shutil

import pytest

from pharmacies.models import DelegationMode, StaffRole, User
from tests.factories import (
    TEST_PASSWORD,
    ClaimFactory,
    ManagerAssignmentFactory,
    PharmacyFactory,
    RejectionFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.sessions import two_factor_pass


@pytest.fixture
def pharmacy_a(db):
    return PharmacyFactory(name="Pharmacie A", delegation_mode=DelegationMode.TOTAL)


@pytest.fixture
def pharmacy_b(db):
    return PharmacyFactory(
        name="Pharmacie B", delegation_mode=DelegationMode.PARTIAL, delegation_hours_per_month=10
    )


@pytest.fixture
def pharmacy_c(db):
    return PharmacyFactory(name="Pharmacie C", delegation_mode=DelegationMode.TOTAL)


@pytest.fixture
def titulaire_a(pharmacy_a):
    return StaffMemberFactory(
        pharmacy=pharmacy_a, role=StaffRole.TITULAIRE, user__username="titulaire_a"
    ).user


@pytest.fixture
def preparateur_a(pharmacy_a):
    return StaffMemberFactory(
        pharmacy=pharmacy_a, role=StaffRole.PREPARATEUR, user__username="preparateur_a"
    ).user


@pytest.fixture
def pharmacy_n(db):
    """A pharmacy that works its own file (no delegation)."""
    return PharmacyFactory(name="Pharmacie N", delegation_mode=DelegationMode.NONE)


@pytest.fixture
def preparateur_n(pharmacy_n):
    return StaffMemberFactory(
        pharmacy=pharmacy_n, role=StaffRole.PREPARATEUR, user__username="preparateur_n",
        user__first_name="Lucie", user__last_name="Perrin", operator_code="PREP1",
    ).user


@pytest.fixture
def titulaire_n(pharmacy_n):
    return StaffMemberFactory(
        pharmacy=pharmacy_n, role=StaffRole.TITULAIRE, user__username="titulaire_n",
        operator_code="TIT1",
    ).user


@pytest.fixture
def rejection_n(pharmacy_n):
    return RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, patient_name="MARTIN Paul"))


@pytest.fixture
def rejection_a(pharmacy_a):
    return RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_a))


@pytest.fixture
def rejection_b(pharmacy_b):
    return RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_b))


@pytest.fixture
def manager_a(pharmacy_a, pharmacy_b):
    manager = UserFactory(username="manager_a", kind=User.Kind.MANAGER)
    ManagerAssignmentFactory(pharmacy=pharmacy_a, manager=manager)
    ManagerAssignmentFactory(pharmacy=pharmacy_b, manager=manager)
    return manager


@pytest.fixture
def manager_c(pharmacy_c):
    manager = UserFactory(username="manager_c", kind=User.Kind.MANAGER)
    ManagerAssignmentFactory(pharmacy=pharmacy_c, manager=manager)
    return manager


@pytest.fixture
def supervisor(db):
    return UserFactory(
        username="superviseur", kind=User.Kind.SUPERVISOR, is_staff=True
    )


@pytest.fixture
def login(client):
    """`login(user)` logs the test client in as that persona and returns it."""

    def _login(user):
        assert client.login(username=user.username, password=TEST_PASSWORD)
        two_factor_pass(client, user)
        return client

    return _login


@pytest.fixture
def requests_commit(django_capture_on_commit_callbacks):
    """Each test-client request commits at its end, as it does in production.

    Views enqueue their tasks with `delay_on_commit`; the test's transaction never
    commits, so without this their tasks would never run. Here the callbacks a
    request registered run when its response is closed (tasks run inline in tests)."""
    from django.core.signals import request_finished, request_started

    captures = []

    def started(**kwargs):
        capture = django_capture_on_commit_callbacks(execute=True)
        capture.__enter__()
        captures.append(capture)

    def finished(**kwargs):
        if captures:
            captures.pop().__exit__(None, None, None)

    request_started.connect(started, weak=False, dispatch_uid="requests_commit_started")
    request_finished.connect(finished, weak=False, dispatch_uid="requests_commit_finished")
    yield
    request_started.disconnect(dispatch_uid="requests_commit_started")
    request_finished.disconnect(dispatch_uid="requests_commit_finished")


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium, headless, driven by Playwright (never `playwright install`)."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM must not mind.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=fr-FR"],
        )
        # Playwright's loop gives this thread another Django connection: the
        # test arranges its data there, as an operator, like everywhere else.
        from pharmacies.row_security import ALL_PHARMACIES, database_scope

        with database_scope(ALL_PHARMACIES):
            yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def operator_database_scope(request):
    """Tests arrange and inspect their data as an operator would: every pharmacy.

    What a user sees stays scoped by PostgreSQL row-level security: each request
    through the client (or the live server) enters the user's pharmacies
    (RowSecurityMiddleware), each task its pharmacy; tests of the wall itself
    leave this scope explicitly (tests/security/test_row_security.py).
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        yield
        return
    transactional = "transactional_db" in names or "live_server" in names or (
        marker is not None and marker.kwargs.get("transaction")
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from pharmacies.row_security import ALL_PHARMACIES, database_scope

    with database_scope(ALL_PHARMACIES):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 at full strength makes each login cost ~0.3 s: tests use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")).ping())
    except redis.RedisError:
        return False


def pytest_collection_modifyitems(config, items):
    """Outside CI, tests needing Redis or Chromium are skipped (with the reason) when
    the machine lacks them; in CI (CI=true) they always run, so a missing service fails."""
    if os.environ.get("CI") == "true":
        return
    needs = {
        "worker": (_redis_answers, "Redis ne répond pas sur TEST_REDIS_URL"),
        "browser": (lambda: shutil.which("chromium") is not None, "Chromium absent (/usr/bin/chromium)"),
    }
    available: dict[str, bool] = {}
    for item in items:
        for marker, (probe, reason) in needs.items():
            if item.get_closest_marker(marker):
                if marker not in available:
                    available[marker] = probe()
                if not available[marker]:
                    item.add_marker(pytest.mark.skip(reason=reason))
