"""The second wall: PostgreSQL row-level security on every tenant table.

Each test leaves the operators' scope the test suite arranges data in
(tests/conftest.py) and shows what PostgreSQL itself lets through.
"""

from __future__ import annotations

import psycopg
import pytest
from django.apps import apps
from django.db import DatabaseError, connection, connections, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from claims.models import Claim
from pharmacies.models import Pharmacy
from pharmacies.row_security import (
    ACCESS_RULE_TABLES,
    ALL_PHARMACIES,
    NO_PHARMACY,
    OperatorCommand,
    RowSecurityMiddleware,
    check_role_is_subject_to_row_security,
    database_scope,
    pharmacy_task,
    reset_scope_before_task,
    restore_scope_after_task,
)
from tests.factories import ClaimFactory
from tests.workers import test_database_url


def tenant_models():
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.column == "pharmacy_id"), None)
        if field is not None and model._meta.db_table not in ACCESS_RULE_TABLES:
            yield model


@pytest.fixture
def claims_a_and_b(pharmacy_a, pharmacy_b):
    ClaimFactory.create_batch(3, pharmacy=pharmacy_a)
    ClaimFactory.create_batch(2, pharmacy=pharmacy_b)


def test_every_tenant_table_is_forced_under_the_policy(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = 'tenant_isolation'
            WHERE c.relrowsecurity AND c.relforcerowsecurity
            """
        )
        protected = {name for (name,) in cursor.fetchall()}
    tables = {model._meta.db_table for model in tenant_models()}
    assert {"claims_claim", "rejections_rejection", "payments_bankline", "reports_monthlyreport"} <= tables
    assert tables - protected == set()
    assert protected & ACCESS_RULE_TABLES == set()


def test_the_application_role_is_subject_to_row_security(db):
    assert check_role_is_subject_to_row_security(None, databases=["default"]) == []


def test_with_no_tenant_set_no_row_is_seen_and_none_can_be_written(claims_a_and_b, pharmacy_a):
    assert Claim.objects.count() == 5
    with database_scope(NO_PHARMACY):
        assert Claim.objects.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM claims_claim")  # no filter at all
            assert cursor.fetchone() == (0,)
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            ClaimFactory(pharmacy=pharmacy_a)
        assert Claim.objects.update(patient_name="X") == 0
    assert Claim.objects.count() == 5


def test_a_fresh_connection_sees_no_tenant_row(transactional_db, pharmacy_a):
    ClaimFactory.create_batch(2, pharmacy=pharmacy_a)
    with psycopg.connect(test_database_url()) as fresh:
        assert fresh.execute("SELECT count(*) FROM claims_claim").fetchone() == (0,)
        assert fresh.execute("SELECT count(*) FROM pharmacies_pharmacy").fetchone() == (1,)


def test_a_pharmacy_scope_sees_and_writes_only_that_pharmacy(claims_a_and_b, pharmacy_a, pharmacy_b):
    with database_scope([pharmacy_a.pk]):
        assert set(Claim.objects.values_list("pharmacy_id", flat=True)) == {pharmacy_a.pk}
        assert Claim.objects.filter(pharmacy=pharmacy_b).update(patient_name="X") == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            ClaimFactory(pharmacy=pharmacy_b)
        # Moving a row out of the scope is a write outside it too.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Claim.objects.filter(pharmacy=pharmacy_a).update(pharmacy=pharmacy_b)
    assert Claim.objects.count() == 5


def test_scopes_nest_and_come_back(claims_a_and_b, pharmacy_a):
    with database_scope([pharmacy_a.pk]):
        with database_scope(NO_PHARMACY):
            assert Claim.objects.count() == 0
        assert Claim.objects.count() == 3
    assert Claim.objects.count() == 5


def test_a_request_sees_the_users_pharmacies_even_through_a_forgetful_query(
    claims_a_and_b, preparateur_a, manager_a
):
    seen = {}

    def forgetful_view(request):
        seen[request.user.username] = Claim.objects.count()  # no access rule applied
        return HttpResponse()

    middleware = RowSecurityMiddleware(forgetful_view)
    for user in (preparateur_a, manager_a):
        request = RequestFactory().get("/")
        request.user = user
        middleware(request)
    assert seen == {preparateur_a.username: 3, manager_a.username: 5}
    assert Claim.objects.count() == 5  # the test's own scope came back


def test_anonymous_requests_see_no_tenant_row(claims_a_and_b):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = RowSecurityMiddleware(lambda request: HttpResponse(str(Claim.objects.count())))(request)
    assert response.content == b"0"


def test_a_streamed_response_is_produced_in_the_users_scope(claims_a_and_b, preparateur_a):
    def export(request):
        return StreamingHttpResponse(str(Claim.objects.count()) for _ in range(1))

    request = RequestFactory().get("/")
    request.user = preparateur_a
    response = RowSecurityMiddleware(export)(request)
    # The view has returned and the scope is restored: the content runs now.
    assert Claim.objects.count() == 5
    assert b"".join(response.streaming_content) == b"3"


def test_a_task_starts_with_nothing_and_sees_its_pharmacy(claims_a_and_b, pharmacy_a):
    @pharmacy_task
    def count_claims(pharmacy_id: int) -> int:
        return Claim.objects.count()

    with database_scope([pharmacy_a.pk]):
        reset_scope_before_task(task_id="t1")
        assert Claim.objects.count() == 0
        assert count_claims(Pharmacy.objects.exclude(pk=pharmacy_a.pk).get().pk) == 2
        assert count_claims(pharmacy_a.pk) == 3
        restore_scope_after_task(task_id="t1")
        assert Claim.objects.count() == 3


def test_a_task_run_inline_gives_its_callers_scope_back(claims_a_and_b, pharmacy_a):
    from celery import shared_task

    @shared_task
    @pharmacy_task
    def count_claims(pharmacy_id: int) -> int:
        return Claim.objects.count()

    with database_scope(NO_PHARMACY):
        assert count_claims.delay(pharmacy_a.pk).get() == 3  # eager: no broker in tests
        assert Claim.objects.count() == 0
    assert count_claims.delay(pharmacy_a.pk).get() == 3
    assert Claim.objects.count() == 5


def test_operator_commands_see_every_pharmacy(claims_a_and_b):
    class CountClaims(OperatorCommand):
        def handle(self, *args, **options):
            return str(Claim.objects.count())

    with database_scope(NO_PHARMACY):
        assert CountClaims().execute(no_color=True, force_color=False, stdout=None, stderr=None,
                                     skip_checks=True) == "5"
        assert Claim.objects.count() == 0


def test_all_pharmacies_is_the_operators_scope(claims_a_and_b):
    with database_scope(NO_PHARMACY), database_scope(ALL_PHARMACIES):
        assert Claim.objects.count() == 5


def test_an_operators_script_sees_every_pharmacy_on_every_new_connection(claims_a_and_b, monkeypatch):
    from pharmacies import row_security

    monkeypatch.setattr(row_security, "_new_connection_scope", row_security.NO_PHARMACY)
    with database_scope(NO_PHARMACY):
        assert Claim.objects.count() == 0
        row_security.operator_process()
        assert Claim.objects.count() == 5
    assert row_security._scope_of(connection) == ALL_PHARMACIES


def test_a_new_connection_of_an_operators_script_starts_in_their_scope(transactional_db, pharmacy_a, monkeypatch):
    from pharmacies import row_security

    ClaimFactory.create_batch(2, pharmacy=pharmacy_a)
    monkeypatch.setattr(row_security, "_new_connection_scope", row_security.ALL_PHARMACIES)
    side = connections.create_connection("default")
    try:
        with side.cursor() as cursor:  # connection_created applies the script's scope
            cursor.execute("SELECT count(*) FROM claims_claim")
            assert cursor.fetchone() == (2,)
    finally:
        side.close()
