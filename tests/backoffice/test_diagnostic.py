"""The onboarding diagnostic: the seed article's criteria and the suggestion, reasoned."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from backoffice.diagnostic import diagnostic_compute
from rejections.models import Fault
from reports.figures import WORDS
from tests.factories import ClaimFactory, PharmacyFactory, ReasonFactory, RejectionFactory

pytestmark = pytest.mark.django_db


def _month(pharmacy, day, claims, rejected, reason, operator="OP7"):
    made = [
        ClaimFactory(pharmacy=pharmacy, transmission_date=day, amount_claimed=Decimal("50.00"), status="paid")
        for _ in range(claims)
    ]
    for claim in made[:rejected]:
        claim.status = "rejected"
        claim.operator_code = operator
        claim.save()
        RejectionFactory(claim=claim, reason=reason)


def test_high_rejection_rate_suggests_total_delegation():
    pharmacy = PharmacyFactory(name="Pharmacie Nouvelle")
    reason = ReasonFactory(code="0450 072", fault=Fault.COUNTER)
    _month(pharmacy, dt.date(2026, 6, 3), 20, 3, reason)
    _month(pharmacy, dt.date(2026, 7, 3), 20, 2, reason)
    _month(pharmacy, dt.date(2026, 8, 3), 20, 1, reason)
    ClaimFactory(pharmacy=pharmacy, transmission_date=dt.date(2026, 10, 1))  # after the first months
    d = diagnostic_compute(pharmacy=pharmacy)
    assert [m.month for m in d.months] == [dt.date(2026, 6, 1), dt.date(2026, 7, 1), dt.date(2026, 8, 1)]
    assert [m.rejections for m in d.months] == [3, 2, 1]
    assert d.months[0].revenue == Decimal("1000.00")
    assert d.rate == pytest.approx(6 / 60)
    assert d.unpaid_amount == Decimal("300.00")  # six rejected claims still owed
    assert d.top_reasons[0]["reason__code"] == "0450 072" and d.top_reasons[0]["n"] == 6
    assert d.top_operators[0]["claim__operator_code"] == "OP7"
    # rate 10 % (+2), 2 rejections a month (0), 300 € of 3 000 € = 10 % (+2) → 4
    assert (d.score, d.suggestion) == (4, "total")
    assert any("au-dessus de la fourchette nationale" in line for line in d.reasoning)
    assert any(line.startswith("Montant à risque 300,00\u00a0€, 10") for line in d.reasoning)


def test_clean_pharmacy_keeps_its_management():
    pharmacy = PharmacyFactory()
    _month(pharmacy, dt.date(2026, 6, 3), 100, 1, ReasonFactory())
    d = diagnostic_compute(pharmacy=pharmacy)
    assert d.rate == pytest.approx(0.01)
    assert d.suggestion == "none"


def test_page_and_pdf(login, supervisor):
    pharmacy = PharmacyFactory(name="Pharmacie Nouvelle")
    _month(pharmacy, dt.date(2026, 6, 3), 10, 1, ReasonFactory(code="0450 999"))
    client = login(supervisor)
    page = client.get(reverse("backoffice:diagnostic", args=[pharmacy.pk]))
    assert page.status_code == 200 and "Mode de délégation conseillé" in page.text
    pdf = client.get(reverse("backoffice:diagnostic_pdf", args=[pharmacy.pk]))
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "Pharmacie Nouvelle" in text and "0450 999" in text and "2 à 5 %" in text
    # The at-risk amount in the figures' words (reports.figures.WORDS), not a name of its own.
    assert f"<th title=\"{WORDS['at_risk'][1]}\">{WORDS['at_risk'][0]}</th>" in page.text.replace("&#x27;", "'")


def test_manager_cannot_diagnose_a_pharmacy_not_theirs(login, manager_a):
    pharmacy = PharmacyFactory()
    assert login(manager_a).get(reverse("backoffice:diagnostic", args=[pharmacy.pk])).status_code == 404
