"""The pharmacy's home page: each figure, and each figure a link to its list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import ClaimStatus, ImportBatch
from pharmacies.models import JobRun
from rejections.models import RejectionStatus as S
from tests.factories import BankLineFactory, ClaimFactory, RejectionFactory


def dashboard_url(pharmacy):
    return reverse("pharmacies:dashboard", args=[pharmacy.pk])


def test_it_shows_money_waiting_by_age_rejections_unpaid_and_bank(login, preparateur_n, pharmacy_n):
    today = timezone.localdate()
    ClaimFactory(pharmacy=pharmacy_n, transmission_date=today - dt.timedelta(days=5), amount_claimed=Decimal("1000.00"))
    ClaimFactory(pharmacy=pharmacy_n, transmission_date=today - dt.timedelta(days=70), amount_claimed=Decimal("234.56"),
                 status=ClaimStatus.UNPAID)
    ClaimFactory(pharmacy=pharmacy_n, status=ClaimStatus.PAID)
    # A rejected claim's status is "rejected" (the night sets both).
    RejectionFactory.create_batch(2, claim__pharmacy=pharmacy_n, claim__status=ClaimStatus.REJECTED)
    RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, status=ClaimStatus.REJECTED),
                     status=S.IN_PROGRESS)
    BankLineFactory(account__pharmacy=pharmacy_n, amount=Decimal("99.90"))
    # A card remittance is no "virement non rapproché" (payments/classification.py).
    BankLineFactory(account__pharmacy=pharmacy_n, amount=Decimal("1300.00"), kind="card",
                    label="REMISE CB 1234567 0203")
    ImportBatch.objects.create(pharmacy=pharmacy_n, kind="claims", file_name="factures_novembre.csv", sha256="x" * 64)
    JobRun.objects.create(pharmacy=pharmacy_n, job="nightly", period=str(today), state="done",
                          finished_at=timezone.now())
    response = login(preparateur_n).get(dashboard_url(pharmacy_n))
    assert response.status_code == 200
    data = response.context["data"]
    counts = {b.key: b.count for b in data["buckets"]}
    assert counts["0-30"] >= 1 and counts["61-90"] == 1
    # To remind (reports.figures): the unpaid one; the claim of 5 days ago waits its delay.
    assert (data["money"].to_remind.count, data["money"].to_remind.amount) == (1, Decimal("234.56"))
    assert data["money"].waiting.amount == Decimal("1000.00")
    assert data["rejections"]["to_handle"] == 2 and data["rejections"]["in_progress"] == 1
    assert (data["bank_unmatched"].count, data["bank_unmatched"].amount) == (1, Decimal("99.90"))
    body = response.content.decode()
    assert "234,56\u00a0€" in body
    assert "factures_novembre.csv" in body
    assert "Terminé" in body
    rejections = reverse("rejections:list", args=[pharmacy_n.pk])
    unpaid = reverse("rejections:unpaid", args=[pharmacy_n.pk])
    assert f'href="{rejections}?statut=to_handle"' in body
    assert f'href="{unpaid}"' in body
    assert f'href="{unpaid}?vue=ouvertes&amp;age=61-90"' in body
    assert f'href="{reverse("payments:unmatched", args=[pharmacy_n.pk])}"' in body
    assert f'href="{reverse("claims:imports", args=[pharmacy_n.pk])}"' in body


def test_it_draws_the_rejection_rate_chart(login, preparateur_n, pharmacy_n):
    RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, transmission_date=timezone.localdate()))
    ClaimFactory(pharmacy=pharmacy_n, transmission_date=timezone.localdate())
    response = login(preparateur_n).get(dashboard_url(pharmacy_n))
    assert response.context["data"]["rate_this_month"] == 0.5
    assert 'src="data:image/svg+xml;base64,' in response.content.decode()
    assert "50,0\u00a0%" in response.content.decode()


def test_the_dashboard_query_count_does_not_grow_with_rows(login, preparateur_n, pharmacy_n, django_assert_num_queries):
    client = login(preparateur_n)
    RejectionFactory.create_batch(10, claim__pharmacy=pharmacy_n)
    with CaptureQueriesContext(connection) as captured:
        client.get(dashboard_url(pharmacy_n))
    RejectionFactory.create_batch(190, claim__pharmacy=pharmacy_n)
    with django_assert_num_queries(len(captured)):
        client.get(dashboard_url(pharmacy_n))


def test_the_dashboard_answers_404_across_tenants(login, manager_c, pharmacy_a):
    assert login(manager_c).get(dashboard_url(pharmacy_a)).status_code == 404


def test_only_the_titulaire_sees_the_staff_links(login, preparateur_n, titulaire_n, pharmacy_n):
    staff_url = reverse("pharmacies:staff", args=[pharmacy_n.pk])
    assert staff_url not in login(preparateur_n).get(dashboard_url(pharmacy_n)).content.decode()
    assert staff_url in login(titulaire_n).get(dashboard_url(pharmacy_n)).content.decode()


def test_the_dashboard_opens_on_the_last_full_month_when_this_one_has_no_claim(login, preparateur_n, pharmacy_n):
    from core.periods import add_months, first_of_month
    from reports.months import month_name

    this_month = first_of_month(timezone.localdate())
    last_month = add_months(this_month, -1)
    RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, transmission_date=last_month))
    ClaimFactory.create_batch(3, pharmacy=pharmacy_n, transmission_date=last_month + dt.timedelta(days=2))
    client = login(preparateur_n)
    response = client.get(dashboard_url(pharmacy_n))
    data = response.context["data"]
    assert data["month"] == last_month and not data["month_is_current"]
    assert data["rate_this_month"] == 0.25 and [m.month for m in data["months"]][-1] == last_month
    assert len(data["months"]) == 13
    body = response.content.decode()
    assert f"25,0\u00a0%</span> en {month_name(last_month)}" in body
    assert "pas encore de retour sur les factures de ce mois-ci" in body

    # Claims of this month still without an answer: their 0 % would say nothing yet.
    ClaimFactory.create_batch(2, pharmacy=pharmacy_n, transmission_date=this_month, status=ClaimStatus.TRANSMITTED)
    data = client.get(dashboard_url(pharmacy_n)).context["data"]
    assert data["month"] == last_month and data["rate_this_month"] == 0.25
    # The first answer (a payment) on one of them: the dashboard moves to this month.
    ClaimFactory(pharmacy=pharmacy_n, transmission_date=this_month, status=ClaimStatus.PAID)
    data = client.get(dashboard_url(pharmacy_n)).context["data"]
    assert data["month"] == this_month and data["month_is_current"] and data["rate_this_month"] == 0.0
    assert len(data["months"]) == 13


def test_the_rejections_to_act_on_are_drawn_by_reason_category_and_staff_member(login, preparateur_n, pharmacy_n):
    from pharmacies.models import StaffMember
    from reports.dashboard import actionable_rejections_breakdown
    from tests.factories import ReasonFactory

    StaffMember.objects.create(pharmacy=pharmacy_n, operator_code="OPX", first_name="Zoé", last_name="Martin",
                               role="preparateur")
    droits, piece = ReasonFactory(label="droits fermés"), ReasonFactory(label="pièce absente")
    for reason, operator, status in [(droits, "OPX", S.TO_HANDLE), (droits, "OPX", S.IN_PROGRESS),
                                     (piece, "OPY", S.TO_HANDLE), (droits, "OPY", S.CLOSED)]:
        RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, operator_code=operator), reason=reason, status=status)
    breakdown = actionable_rejections_breakdown(pharmacy=pharmacy_n)
    assert breakdown["reasons"] == [("Droits fermés", 2), ("Pièce absente", 1)]
    assert breakdown["staff"] == [("Zoé Martin", 2), ("OPY", 1)]
    assert sum(count for _, count in breakdown["categories"]) == 3
    body = login(preparateur_n).get(dashboard_url(pharmacy_n)).content.decode()
    for alt in ("Rejets à traiter par motif", "Rejets à traiter par catégorie", "Rejets à traiter par membre du personnel"):
        assert f'alt="{alt}"' in body
