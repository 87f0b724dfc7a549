"""The cross-pharmacy work queue mounts the staff worklists over the manager's pharmacies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ClaimFactory, RejectionFactory

pytestmark = pytest.mark.django_db


def test_queue_lists_rejections_of_a_and_b_never_c(login, manager_a, manager_c, pharmacy_a, pharmacy_b, pharmacy_c):
    small = RejectionFactory(claim__pharmacy=pharmacy_a, amount=Decimal("10.00"))
    big = RejectionFactory(claim__pharmacy=pharmacy_b, amount=Decimal("90.00"))
    RejectionFactory(claim__pharmacy=pharmacy_c, amount=Decimal("50.00"))
    response = login(manager_a).get(reverse("backoffice:work_queue"))
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"]] == [big.pk, small.pk]  # biggest amount first
    assert response.context["multi"] is True
    assert "Pharmacie C" not in response.text


def test_queue_filters_by_pharmacy_but_never_opens_another(login, manager_a, manager_c, pharmacy_a, pharmacy_b, pharmacy_c):
    RejectionFactory(claim__pharmacy=pharmacy_a)
    mine = RejectionFactory(claim__pharmacy=pharmacy_b)
    RejectionFactory(claim__pharmacy=pharmacy_c)
    client = login(manager_a)
    assert [r.pk for r in client.get(reverse("backoffice:work_queue"), {"pharmacie": pharmacy_b.pk}).context["page"]] == [mine.pk]
    assert list(client.get(reverse("backoffice:work_queue"), {"pharmacie": pharmacy_c.pk}).context["page"]) == []


def test_unpaid_queue_spans_the_managers_pharmacies(login, manager_a, manager_c, pharmacy_a, pharmacy_b, pharmacy_c):
    a = ClaimFactory(pharmacy=pharmacy_a, status="unpaid")
    b = ClaimFactory(pharmacy=pharmacy_b, status="unpaid")
    ClaimFactory(pharmacy=pharmacy_c, status="unpaid")
    response = login(manager_a).get(reverse("backoffice:work_queue_unpaid"))
    assert {c.pk for c in response.context["page"]} == {a.pk, b.pk}


def test_titulaire_never_sees_the_queue(login, titulaire_a):
    assert login(titulaire_a).get(reverse("backoffice:work_queue")).status_code == 404
    assert login(titulaire_a).get(reverse("backoffice:work_queue_unpaid")).status_code == 404


def test_bulk_action_moves_mine_and_cannot_reach_another_managers(login, manager_a, manager_c, pharmacy_a, pharmacy_c):
    mine = RejectionFactory(claim__pharmacy=pharmacy_a)
    theirs = RejectionFactory(claim__pharmacy=pharmacy_c)
    login(manager_a).post(
        reverse("backoffice:work_queue"),
        {"action": "status", "to_status": "in_progress", "ids": [mine.pk, theirs.pk]},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("in_progress", "to_handle")


def test_queue_rows_open_the_shared_rejection_file(login, manager_a, manager_c, pharmacy_a, pharmacy_c):
    mine = RejectionFactory(claim__pharmacy=pharmacy_a)
    theirs = RejectionFactory(claim__pharmacy=pharmacy_c)
    client = login(manager_a)
    detail = reverse("rejections:detail", args=[pharmacy_a.pk, mine.pk])
    assert detail in client.get(reverse("backoffice:work_queue")).text
    assert client.get(detail).status_code == 200
    assert client.get(reverse("rejections:detail", args=[pharmacy_c.pk, theirs.pk])).status_code == 404
    assert client.get(reverse("rejections:detail", args=[pharmacy_a.pk, theirs.pk])).status_code == 404


def test_queue_priority_is_amount_then_age(login, manager_a, pharmacy_a, pharmacy_b):
    import datetime as dt

    recent = RejectionFactory(claim__pharmacy=pharmacy_a, amount=Decimal("40.00"), rejected_on=dt.date(2026, 11, 10))
    older = RejectionFactory(claim__pharmacy=pharmacy_b, amount=Decimal("40.00"), rejected_on=dt.date(2026, 9, 1))
    biggest = RejectionFactory(claim__pharmacy=pharmacy_a, amount=Decimal("75.00"), rejected_on=dt.date(2026, 11, 20))
    ClaimFactory(pharmacy=pharmacy_a)  # a claim without rejection stays out

    page = login(manager_a).get(reverse("backoffice:work_queue")).context["page"]

    assert [r.pk for r in page] == [biggest.pk, older.pk, recent.pk]


def test_unpaid_queue_priority_is_outstanding_then_age(login, manager_a, pharmacy_a, pharmacy_b):
    import datetime as dt

    from claims.models import ClaimStatus

    def unpaid(pharmacy, amount, sent):
        return ClaimFactory(pharmacy=pharmacy, status=ClaimStatus.UNPAID, amount_claimed=Decimal(amount),
                            transmission_date=sent, unpaid_since=sent + dt.timedelta(days=35))

    recent = unpaid(pharmacy_a, "20.00", dt.date(2026, 9, 20))
    older = unpaid(pharmacy_b, "20.00", dt.date(2026, 7, 1))
    biggest = unpaid(pharmacy_b, "120.00", dt.date(2026, 9, 25))

    page = login(manager_a).get(reverse("backoffice:work_queue_unpaid")).context["page"]

    assert [c.pk for c in page] == [biggest.pk, older.pk, recent.pk]


def test_a_row_of_the_queue_is_handled_in_place_and_keeps_its_pharmacy_column(login, manager_a, pharmacy_a):
    """Issue 16: the queue's row action answers with the queue's row (its "Pharmacie" cell
    included) and the file it links to leads back to the filtered queue."""
    from urllib.parse import quote

    from rejections.models import RejectionStatus

    rejection = RejectionFactory(claim__pharmacy=pharmacy_a)
    client = login(manager_a)
    queue = reverse("backoffice:work_queue") + f"?pharmacie={pharmacy_a.pk}"
    page = client.get(queue).text
    back = f"{reverse('backoffice:work_queue')}?pharmacie={pharmacy_a.pk}&tri=priorite"
    assert f"?retour={quote(back, safe='')}" in page
    assert '<input type="hidden" name="multi" value="1">' in page
    response = client.post(
        reverse("rejections:resolve", args=[pharmacy_a.pk, rejection.pk]),
        {"outcome": "autre_payeur", "ligne": "1", "multi": "1", "retour": back},
        HTTP_HX_REQUEST="true",
    )
    assert f"<td>{pharmacy_a.name}</td>" in response.text
    assert quote(back, safe="") in response.text  # the row's link still leads back to the queue
    rejection.refresh_from_db()
    assert (rejection.status, rejection.assignee) == (RejectionStatus.CLAIMED, manager_a)
