"""The same worklists mounted across pharmacies, as the Backoffice does (see cross_pharmacy_urls)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import ClaimStatus
from rejections.models import Rejection
from tests.factories import ClaimFactory, RejectionFactory

pytestmark = pytest.mark.urls("tests.staff.cross_pharmacy_urls")


def test_it_lists_every_visible_pharmacy_with_a_pharmacy_column(login, manager_a, rejection_a, rejection_b, pharmacy_c):
    hidden = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_c))
    body = login(manager_a).get("/bo/file/").content.decode()
    assert ">Pharmacie</th>" in body
    assert rejection_a.claim.invoice_number in body and rejection_b.claim.invoice_number in body
    assert hidden.claim.invoice_number not in body
    assert f'/pharmacies/{rejection_b.pharmacy_id}/rejets/{rejection_b.pk}/' in body


def test_the_pharmacy_filter_narrows_but_never_widens(login, manager_a, rejection_a, rejection_b, pharmacy_c):
    hidden = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_c))
    client = login(manager_a)
    body = client.get(f"/bo/file/?pharmacie={rejection_b.pharmacy_id}", HTTP_HX_REQUEST="true").content.decode()
    assert rejection_b.claim.invoice_number in body and rejection_a.claim.invoice_number not in body
    body = client.get(f"/bo/file/?pharmacie={pharmacy_c.pk}").content.decode()
    assert hidden.claim.invoice_number not in body


def test_bulk_actions_work_across_pharmacies(login, manager_a, rejection_a, rejection_b):
    login(manager_a).post("/bo/file/", {"action": "assign", "assignee": manager_a.pk, "ids": [rejection_a.pk, rejection_b.pk]})
    assert Rejection.objects.filter(assignee=manager_a).count() == 2


def test_the_cross_pharmacy_list_is_constant_in_queries(login, manager_a, pharmacy_a, pharmacy_b, django_assert_num_queries):
    client = login(manager_a)
    RejectionFactory.create_batch(5, claim__pharmacy=pharmacy_a)
    RejectionFactory.create_batch(5, claim__pharmacy=pharmacy_b)
    with CaptureQueriesContext(connection) as captured:
        client.get("/bo/file/")
    RejectionFactory.create_batch(95, claim__pharmacy=pharmacy_a)
    RejectionFactory.create_batch(95, claim__pharmacy=pharmacy_b)
    with django_assert_num_queries(len(captured)):
        client.get("/bo/file/")


def test_unpaid_claims_across_pharmacies(login, manager_a, pharmacy_a, pharmacy_b):
    claims = [ClaimFactory(pharmacy=p, status=ClaimStatus.UNPAID) for p in (pharmacy_a, pharmacy_b)]
    body = login(manager_a).get("/bo/impayes/").content.decode()
    assert all(c.invoice_number in body for c in claims)
    assert ">Pharmacie</th>" in body
