"""The unpaid-claim worklist and the reminder request."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from claims.models import ClaimStatus
from rejections.models import UnpaidFollowUp
from tests.factories import ClaimFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def unpaid_url(pharmacy):
    return reverse("rejections:unpaid", args=[pharmacy.pk])


def unpaid_claim(pharmacy, days=45, **kwargs):
    today = timezone.localdate()
    return ClaimFactory(
        pharmacy=pharmacy, status=ClaimStatus.UNPAID,
        transmission_date=today - dt.timedelta(days=days), unpaid_since=today - dt.timedelta(days=days - 30),
        **kwargs,
    )


def test_it_lists_silent_unpaid_claims_with_age_and_amount(login, preparateur_n, pharmacy_n, pharmacy_a):
    claim = unpaid_claim(pharmacy_n, days=45, amount_claimed=Decimal("1234.56"))
    paid = ClaimFactory(pharmacy=pharmacy_n, status=ClaimStatus.PAID)
    foreign = unpaid_claim(pharmacy_a)
    body = login(preparateur_n).get(unpaid_url(pharmacy_n)).content.decode()
    assert claim.invoice_number in body
    assert paid.invoice_number not in body and foreign.invoice_number not in body
    assert "1\u202f234,56\u00a0€" in body
    assert "31-60 j" in body


def test_it_filters_by_age_bucket_and_payer(login, preparateur_n, pharmacy_n):
    old = unpaid_claim(pharmacy_n, days=120)
    young = unpaid_claim(pharmacy_n, days=35)
    client = login(preparateur_n)
    body = client.get(unpaid_url(pharmacy_n) + "?age=90%2B", **HTMX).content.decode()
    assert old.invoice_number in body and young.invoice_number not in body
    body = client.get(unpaid_url(pharmacy_n) + f"?payeur={young.organism_id}", **HTMX).content.decode()
    assert young.invoice_number in body and old.invoice_number not in body


def test_the_payer_filter_offers_the_payers_of_claims_not_paid(login, preparateur_n, pharmacy_n):
    waiting = unpaid_claim(pharmacy_n)
    settled = ClaimFactory(pharmacy=pharmacy_n, status=ClaimStatus.PAID)
    body = login(preparateur_n).get(unpaid_url(pharmacy_n)).content.decode()
    assert f'<option value="{waiting.organism_id}"' in body
    assert f'<option value="{settled.organism_id}"' not in body  # nothing of it to work on


def test_the_open_view_lists_every_claim_waiting_for_money(login, preparateur_n, pharmacy_n):
    waiting = ClaimFactory(pharmacy=pharmacy_n, status=ClaimStatus.TRANSMITTED)
    body = login(preparateur_n).get(unpaid_url(pharmacy_n) + "?vue=ouvertes").content.decode()
    assert waiting.invoice_number in body
    assert "Factures en attente de paiement" in body


def test_it_requests_a_reminder_once_per_claim(login, preparateur_n, pharmacy_n, pharmacy_a):
    claims = [unpaid_claim(pharmacy_n) for _ in range(3)]
    foreign = unpaid_claim(pharmacy_a)
    client = login(preparateur_n)
    ids = [c.pk for c in claims] + [foreign.pk]
    response = client.post(unpaid_url(pharmacy_n), {"action": "remind", "ids": ids, "note": "urgent"}, follow=True)
    assert "3 relance(s) demandée(s)" in response.content.decode()
    response = client.post(unpaid_url(pharmacy_n), {"action": "remind", "ids": ids}, follow=True)
    assert "0 relance(s) demandée(s)" in response.content.decode()
    follow_ups = UnpaidFollowUp.objects.all()
    assert follow_ups.count() == 3
    assert {f.claim_id for f in follow_ups} == {c.pk for c in claims}
    assert all(f.requested_by == preparateur_n and f.note == "urgent" for f in follow_ups)
    assert "Demandée le" in client.get(unpaid_url(pharmacy_n)).content.decode()


def test_export_of_the_unpaid_list(login, preparateur_n, pharmacy_n):
    claim = unpaid_claim(pharmacy_n)
    response = login(preparateur_n).post(unpaid_url(pharmacy_n), {"action": "export"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [claim.invoice_number]


@pytest.mark.parametrize("partial", [False, True])
def test_the_unpaid_list_answers_404_across_tenants(login, manager_c, pharmacy_a, partial):
    assert login(manager_c).get(unpaid_url(pharmacy_a), **(HTMX if partial else {})).status_code == 404


@pytest.mark.parametrize("partial", [False, True])
def test_the_unpaid_query_count_does_not_grow_with_rows(login, preparateur_n, pharmacy_n, django_assert_num_queries, partial):
    client = login(preparateur_n)
    headers = HTMX if partial else {}
    for _ in range(10):
        unpaid_claim(pharmacy_n)
    with CaptureQueriesContext(connection) as captured:
        client.get(unpaid_url(pharmacy_n), **headers)
    ten = len(captured)
    for _ in range(190):
        unpaid_claim(pharmacy_n)
    with django_assert_num_queries(ten):
        response = client.get(unpaid_url(pharmacy_n), **headers)
    assert response.context["totals"]["count"] == 200


def test_pages_follow_the_sort_from_first_to_last(login, preparateur_n, pharmacy_n):
    from rejections.worklist import PAGE_SIZE

    # Outstanding amounts 1.00 € … 51.00 €: page 1 is the 50 largest, page 2 the smallest.
    claims = [unpaid_claim(pharmacy_n, amount_claimed=Decimal(n)) for n in range(1, PAGE_SIZE + 2)]
    client = login(preparateur_n)
    first = client.get(unpaid_url(pharmacy_n) + "?tri=-montant", **HTMX).content.decode()
    second = client.get(unpaid_url(pharmacy_n) + "?tri=-montant&page=2", **HTMX).content.decode()
    shown = [c for c in reversed(claims) if c.invoice_number in first]
    assert len(shown) == PAGE_SIZE and claims[0].invoice_number not in first
    positions = [first.index(c.invoice_number) for c in shown]
    assert positions == sorted(positions)  # 51,00 € first, then down
    assert claims[0].invoice_number in second and claims[1].invoice_number not in second


def test_every_sort_and_the_mine_filter_work(login, preparateur_n, pharmacy_n):
    from rejections.worklist import UNPAID_SORTS

    mine = unpaid_claim(pharmacy_n)
    other = unpaid_claim(pharmacy_n)
    client = login(preparateur_n)
    client.post(unpaid_url(pharmacy_n), {"action": "remind", "ids": [mine.pk]})
    body = client.get(unpaid_url(pharmacy_n) + "?moi=1&tri=-montant").content.decode()
    assert mine.invoice_number in body and other.invoice_number not in body
    for key in UNPAID_SORTS:
        assert client.get(unpaid_url(pharmacy_n) + f"?tri={key}", HTTP_HX_REQUEST="true").status_code == 200


def test_the_backoffice_marks_requested_reminders_sent(login, preparateur_n, manager_a, pharmacy_n):
    from rejections.services import unpaid_reminders_mark_sent, unpaid_reminders_request

    claims = [unpaid_claim(pharmacy_n) for _ in range(2)]
    from claims.models import Claim

    assert unpaid_reminders_request(claims=Claim.objects.filter(pk__in=[c.pk for c in claims]), actor=preparateur_n) == 2
    sent = unpaid_reminders_mark_sent(follow_ups=UnpaidFollowUp.objects.filter(pharmacy=pharmacy_n), actor=manager_a)
    assert sent == 2
    assert set(UnpaidFollowUp.objects.values_list("status", flat=True)) == {"sent"}
    # Once sent, a new reminder may be asked for the same claim.
    assert unpaid_reminders_request(claims=Claim.objects.filter(pk=claims[0].pk), actor=preparateur_n) == 1
