"""PostgreSQL row-level security: the second wall behind the access rule.

The first wall is `pharmacies.access`: every selector and service filters by
the user's pharmacies. This one holds even where the code forgets: every table
with a `pharmacy_id` has row-level security enabled *and forced* (so the
tables' owner, the application role, is subject to it too) and one policy:

    a row is visible and writable only if its pharmacy_id is in the
    connection's `tiers_payant.pharmacy_ids`, or if the connection is in the
    operators' scope (`tiers_payant.all_pharmacies = on`).

Nothing set means no rows: a fresh connection sees no tenant data at all.

Who sets what (see docs/decisions.md, "Tenancy and security", and docs/security.md):
- a web request: `RowSecurityMiddleware`, from `visible_pharmacies(user)` —
  the same rule as the first wall, so the two cannot disagree; the Django
  admin is a web request like the others (supervisors see their pharmacies);
- a Celery task: nothing at its start (`task_prerun`), then the task enters
  its own pharmacy with `@pharmacy_task`;
- a management command, a migration, a bench script: the operators' scope
  (`OperatorCommand`, `pre_migrate`), because whoever runs them already holds
  the server.

Four tables stay outside: `Pharmacy`, `StaffMember` and `ManagerAssignment`
are what the access rule reads to compute the scope in the first place, and
`ApiToken` what a deposit without a user is let in by (and their audit trails,
which hold no health data either).

A superuser (or a role with BYPASSRLS) is never subject to row-level security:
the application must connect as an ordinary role that owns its tables
(`tiers_payant` in the demo, CI and production; see README). The check
`pharmacies.W001` says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.core import checks
from django.core.management.base import BaseCommand
from django.db import connections
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponseBase

PHARMACY_IDS_SETTING = "tiers_payant.pharmacy_ids"
ALL_PHARMACIES_SETTING = "tiers_payant.all_pharmacies"
POLICY_NAME = "tenant_isolation"

# The access rule reads these to compute the scope: they cannot be behind it.
# Their audit trails follow them (a supervisor delegates a pharmacy that is not
# yet in their set; no health data there either).
ACCESS_RULE_TABLES = frozenset({
    "pharmacies_pharmacy", "pharmacies_staffmember", "backoffice_managerassignment",
    "pharmacies_pharmacyhistory", "pharmacies_staffmemberhistory", "backoffice_managerassignmenthistory",
    # A deposit's token says which pharmacy the request may enter: read before any scope.
    "pharmacies_apitoken", "pharmacies_apitokenhistory",
})


@dataclass(frozen=True)
class Scope:
    """What one connection may see: a PostgreSQL array literal of pharmacy ids, or everything."""

    pharmacy_ids: str = "{}"
    all_pharmacies: bool = False


NO_PHARMACY = Scope()
ALL_PHARMACIES = Scope(all_pharmacies=True)

ScopeRequest = Scope | QuerySet | Iterable[int]


def tenant_tables(connection=None, *, unprotected_only: bool = False) -> list[str]:
    """Every table with a pharmacy_id column but the access rule's own
    (only those not yet forced under the policy, if asked)."""
    connection = connection or connections["default"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'pharmacy_id' AND NOT a.attisdropped
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
              AND NOT (%s AND c.relrowsecurity AND c.relforcerowsecurity
                       AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s))
            ORDER BY c.relname
            """,
            [unprotected_only, POLICY_NAME],
        )
        return [name for (name,) in cursor.fetchall() if name not in ACCESS_RULE_TABLES]


def policy_sql(table: str) -> list[str]:
    # `(SELECT current_setting(...))` is an InitPlan: evaluated once per
    # statement, not once per row (the difference is measurable on the
    # nightly job's million-row updates).
    quoted = connections["default"].ops.quote_name(table)
    return [
        f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY_NAME} ON {quoted}",
        f"""CREATE POLICY {POLICY_NAME} ON {quoted}
            USING ((SELECT current_setting('{ALL_PHARMACIES_SETTING}', true)) IS NOT DISTINCT FROM 'on'
                   OR pharmacy_id = ANY (COALESCE((SELECT current_setting('{PHARMACY_IDS_SETTING}', true)::bigint[]), '{{}}')))""",
    ]


def protect_tenant_tables(connection=None) -> list[str]:
    """Enable, force and write the policy on every tenant table not yet under it; idempotent."""
    connection = connection or connections["default"]
    tables = tenant_tables(connection, unprotected_only=True)
    with connection.cursor() as cursor:
        for table in tables:
            for statement in policy_sql(table):
                cursor.execute(statement)
    return tables


def _apply(connection, requested: ScopeRequest) -> Scope:
    """Set the scope on the connection (one query) and return it resolved to ids."""
    if isinstance(requested, QuerySet) and requested.query.is_empty():
        requested = NO_PHARMACY  # .none(): anonymous visitors
    if isinstance(requested, Scope) and requested == _scope_of(connection):
        return requested  # already so: no round trip (anonymous pages need no database at all)
    if isinstance(requested, Scope):
        params: Sequence[object]
        ids_sql, params, all_pharmacies = "%s", [requested.pharmacy_ids], requested.all_pharmacies
    elif isinstance(requested, QuerySet):
        subquery, params = requested.values("pk").query.sql_with_params()
        ids_sql = f"COALESCE((SELECT array_agg(DISTINCT v.id ORDER BY v.id) FROM ({subquery}) v(id))::text, '{{}}')"
        all_pharmacies = False
    else:
        ids_sql, params, all_pharmacies = "%s", ["{" + ",".join(str(int(i)) for i in requested) + "}"], False
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT set_config('{PHARMACY_IDS_SETTING}', {ids_sql}, false),"
            f" set_config('{ALL_PHARMACIES_SETTING}', %s, false)",
            [*params, "on" if all_pharmacies else "off"],
        )
        (pharmacy_ids, _) = cursor.fetchone()
    scope = Scope(pharmacy_ids=pharmacy_ids, all_pharmacies=all_pharmacies)
    connection.tenant_scope = scope
    return scope


# What a new server session of this process starts with: nothing, but in an
# operator's script (`operator_process`).
_new_connection_scope = NO_PHARMACY


def _scope_of(connection) -> Scope:
    if connection.connection is None:
        return _new_connection_scope  # closed: what the next server session will start with
    return getattr(connection, "tenant_scope", NO_PHARMACY)


def current_scope(using: str = "default") -> Scope:
    return _scope_of(connections[using])


@contextmanager
def database_scope(requested: ScopeRequest, *, using: str = "default") -> Iterator[Scope]:
    """Within the block, the connection sees only `requested`; the previous scope comes back after."""
    connection = connections[using]
    previous = current_scope(using)
    scope = _apply(connection, requested)
    try:
        yield scope
    finally:
        _apply(connection, previous)


def scope_share(side_connection, scope: Scope) -> Scope:
    """A side connection doing part of the same work (an import's progress bar)
    sees what the main connection saw (`current_scope()` taken there), and no more."""
    return _apply(side_connection, scope)


def pharmacy_task(task: Callable) -> Callable:
    """For a job whose first argument is a pharmacy id: it sees that pharmacy and nothing else."""

    @wraps(task)
    def wrapper(pharmacy_id: int, *args, **kwargs):
        with database_scope([pharmacy_id]):
            return task(pharmacy_id, *args, **kwargs)

    return wrapper


def reset_scope_on_new_connection(sender, connection, **kwargs) -> None:
    """A new server session has nothing set (but in an operator's script)."""
    connection.tenant_scope = NO_PHARMACY
    if _new_connection_scope != NO_PHARMACY:
        _apply(connection, _new_connection_scope)


def operator_process() -> None:
    """For a script run by whoever holds the server (the benches): every
    connection of this process, open or to come, in the operators' scope.
    Forked workers inherit it; per-pharmacy work still enters its pharmacy."""
    global _new_connection_scope
    _new_connection_scope = ALL_PHARMACIES
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _apply(connection, ALL_PHARMACIES)


_scope_before_task: dict[str, Scope] = {}


def reset_scope_before_task(task_id: str = "", **kwargs) -> None:
    """A worker's connection outlives tasks: no task inherits the previous one's
    pharmacy (nor, run inline, its caller's scope)."""
    _scope_before_task[task_id] = current_scope()
    _apply(connections["default"], NO_PHARMACY)


def restore_scope_after_task(task_id: str = "", **kwargs) -> None:
    """A task run inline (no broker) gives its caller's scope back."""
    _apply(connections["default"], _scope_before_task.pop(task_id, NO_PHARMACY))


_scope_before_migrate: dict[str, Scope] = {}


def operator_scope_for_migrations(using: str = "default", **kwargs) -> None:
    """Data migrations are the operator's: they see every pharmacy.
    (Sent once per app: the scope from before the first one is kept.)"""
    _scope_before_migrate.setdefault(using, current_scope(using))
    _apply(connections[using], ALL_PHARMACIES)


def protect_after_migrate(using: str = "default", **kwargs) -> None:
    """After the last migration: every tenant table under the policy, and the
    connection back to the scope it had before (a web process's migrate, a
    test database's creation, a test's flush)."""
    protect_tenant_tables(connections[using])
    _apply(connections[using], _scope_before_migrate.pop(using, current_scope(using)))


def _scoped_stream(content: Iterable[bytes], scope: Scope) -> Iterator[bytes]:
    with database_scope(scope):
        yield from content


class RowSecurityMiddleware:
    """Each request sees the user's pharmacies (the access rule's set) and only those.

    A streamed response (Excel exports) is produced after the view returns:
    its iterator re-enters the same scope while it runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from pharmacies.access import visible_pharmacies

        with database_scope(visible_pharmacies(request.user)) as scope:
            response = self.get_response(request)
        if response.streaming and not isinstance(response, FileResponse):
            response.streaming_content = _scoped_stream(response.streaming_content, scope)
        return response


@checks.register(checks.Tags.database)
def check_role_is_subject_to_row_security(app_configs, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Connected as a superuser or a BYPASSRLS role, the second wall silently does not exist."""
    if not databases or "default" not in databases:
        return []
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        role, bypasses = cursor.fetchone()
    if not bypasses:
        return []
    return [
        checks.Warning(
            f"Le rôle PostgreSQL « {role} » contourne la sécurité au niveau des lignes (superutilisateur ou BYPASSRLS).",
            hint="Connectez l'application avec un rôle ordinaire propriétaire des tables (voir README).",
            id="pharmacies.W001",
        )
    ]


class OperatorCommand(BaseCommand):
    """A management command touching tenant data: whoever runs it holds the
    server already, so it works in the operators' scope (every pharmacy)."""

    def execute(self, *args, **options):
        with database_scope(ALL_PHARMACIES):
            return super().execute(*args, **options)
