"""One definition of each money figure (reports/figures.py, claims/due.py, docs/figures.md).

The same pharmacy and day through every surface that shows the figures — the dashboard,
the portfolio, the comparison, the monthly statistics the PDF renders, the Excel export
downloaded — give the same overdue and at-risk amounts, and each equals the amount
computed by hand below from the claims built here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from backoffice.selectors import portfolio_rows
from claims.models import ClaimStatus
from pharmacies.access import visible_pharmacies
from pharmacies.models import Pharmacy
from reports.dashboard import pharmacy_dashboard
from reports.figures import WORDS, ageing, money_figures
from reports.statistics import month_statistics, pharmacies_comparison
from tests.factories import ClaimFactory, OrganismFactory

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)
DAY = dt.date(2026, 10, 31)  # the month's last day: the PDF's figures are on it

# Usual delay 5 working days = 7 calendar days; overdue 30 days after: on DAY, a claim
# sent before 24 September is overdue with this payer...
FAST = {"usual_delay_days": 5}
# ... and with this one (20 working days = 28 calendar days) one sent before 3 September.
SLOW = {"usual_delay_days": 20}

EXPECTED = {
    "owed": Decimal("395.00"),
    "overdue": Decimal("260.00"),  # 100 + 50 + (80 - 30) + 60
    "at_risk": Decimal("300.00"),  # the overdue ones + 40 rejected
    "to_remind": Decimal("150.00"),  # 100 + 50
}


def claim(pharmacy, organism, sent: tuple[int, int], amount: str, status=ClaimStatus.TRANSMITTED,
          paid: str = "0"):
    return ClaimFactory(pharmacy=pharmacy, organism=organism, status=status,
                        transmission_date=dt.date(2026, *sent), amount_claimed=Decimal(amount),
                        amount_paid=Decimal(paid))


@pytest.fixture
def known(pharmacy_b, pharmacy_a):
    fast, slow = OrganismFactory(**FAST), OrganismFactory(**SLOW)
    claim(pharmacy_b, fast, (9, 1), "100.00")  # never answered, overdue: to remind
    claim(pharmacy_b, fast, (9, 10), "50.00", ClaimStatus.UNPAID)  # flagged by the night
    claim(pharmacy_b, fast, (10, 28), "70.00")  # within its delay (due 4 Nov.): waiting
    claim(pharmacy_b, slow, (9, 10), "25.00")  # 51 days old, but its payer is slow: waiting
    claim(pharmacy_b, fast, (9, 5), "80.00", ClaimStatus.PARTIAL, paid="30.00")  # 50 left
    claim(pharmacy_b, fast, (10, 10), "40.00", ClaimStatus.REJECTED)  # at risk, not overdue
    claim(pharmacy_b, fast, (8, 1), "60.00", ClaimStatus.TAKEN_BACK)  # paid, then taken back
    claim(pharmacy_b, fast, (9, 1), "500.00", ClaimStatus.PAID, paid="500.00")
    claim(pharmacy_b, fast, (9, 1), "45.00", ClaimStatus.REINVOICED)  # its re-invoice is owed
    claim(pharmacy_b, fast, (11, 5), "999.00")  # sent after the day
    claim(pharmacy_a, fast, (8, 1), "1000.00")  # another pharmacy
    return pharmacy_b


def test_the_figures_equal_the_hand_computed_ones(known):
    money = money_figures(pharmacies=Pharmacy.objects.filter(pk=known.pk), day=DAY)
    assert money.owed.amount == EXPECTED["owed"] and money.owed.count == 7
    assert (money.overdue.count, money.overdue.amount) == (4, EXPECTED["overdue"])
    assert (money.at_risk.count, money.at_risk.amount) == (5, EXPECTED["at_risk"])
    assert (money.to_remind.count, money.to_remind.amount) == (2, EXPECTED["to_remind"])
    by_kind = {k.key: k.amount for k in money.kinds}
    assert by_kind == {
        "to_remind": Decimal("150.00"), "rejected": Decimal("40.00"), "partial": Decimal("50.00"),
        "taken_back": Decimal("60.00"), "waiting": Decimal("95.00"),
    }
    assert sum(by_kind.values()) == money.owed.amount
    # To claim from the payer (what a reminder letter asks for): to remind + partial.
    assert (money.to_claim_from_payer.count, money.to_claim_from_payer.amount) == (3, Decimal("200.00"))


def _xlsx_summary(client, pharmacy) -> dict[str, Decimal]:
    url = reverse("reports:export", args=[pharmacy.pk, "statistiques"])
    response = client.get(url, {"mois": "2026-10"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Synthèse"]
    return {row[0].value: row[2].value for row in sheet.iter_rows(min_row=2)}


def test_every_surface_shows_the_same_overdue_and_at_risk_amounts(known, manager_a, login):
    only = Pharmacy.objects.filter(pk=known.pk)
    dashboard = pharmacy_dashboard(pharmacy=known, today=DAY)["money"]
    [portfolio] = [r.money for r in portfolio_rows(pharmacies=visible_pharmacies(manager_a),
                                                      today=DAY) if r.pharmacy.pk == known.pk]
    [compared] = pharmacies_comparison(pharmacies=only, month=OCTOBER)
    pdf = month_statistics(pharmacy=known, month=OCTOBER).money  # what the PDF renders
    excel = _xlsx_summary(login(manager_a), known)

    overdue = {
        "dashboard": dashboard.overdue.amount,
        "portfolio": portfolio.overdue.amount,
        "comparison": compared.overdue,
        "pdf": pdf.overdue.amount,
        "excel": Decimal(str(excel[WORDS["overdue"][0]])),
    }
    at_risk = {
        "dashboard": dashboard.at_risk.amount,
        "portfolio": portfolio.at_risk.amount,
        "comparison": compared.at_risk,
        "pdf": pdf.at_risk.amount,
        "excel": Decimal(str(excel[WORDS["at_risk"][0]])),
    }
    assert overdue == dict.fromkeys(overdue, EXPECTED["overdue"])
    assert at_risk == dict.fromkeys(at_risk, EXPECTED["at_risk"])
    assert portfolio.overdue.count == 4


def test_the_pages_and_the_pdf_use_the_words_of_the_doc(known, manager_a, login):
    doc = " ".join((Path(__file__).parents[2] / "docs" / "figures.md").read_text().split())
    for key, (label, sentence) in WORDS.documented().items():
        assert label in doc and sentence in doc, key
    client = login(manager_a)
    page = client.get(reverse("reports:statistics", args=[known.pk]), {"mois": "2026-10"})
    text = page.content.decode()
    assert WORDS["at_risk"][1].replace("'", "&#x27;") in text
    assert "300,00\u00a0€" in text and "260,00\u00a0€" in text
    assert "montant à risque au 31/10/2026" in text  # the name inside a sentence
    for next_step in ("À relancer", "À corriger et refacturer", "En attente du délai habituel"):
        assert next_step in text
    assert not re.search(r"plus de 30 jours à relancer", text)


def test_the_unpaid_export_gives_each_claim_its_due_date_and_next_step(known, manager_a, login):
    url = reverse("reports:export", args=[known.pk, "impayes"])
    response = login(manager_a).get(url, {"mois": "2026-10"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Impayés"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    steps = sorted((row["Reste dû"], row["Prochaine étape"]) for row in rows)
    assert steps == [
        (25, "En attente du délai habituel"), (40, "À corriger et refacturer"),
        (50, "À relancer"), (50, "À réclamer à l'organisme"), (60, "À vérifier, puis refacturer ou contester"),
        (70, "En attente du délai habituel"), (100, "À relancer"),
    ]
    slow = next(row for row in rows if row["Reste dû"] == 25)
    assert slow["Échéance"].date() == dt.date(2026, 10, 8)  # 10 Sept. + 28 days


def test_the_words_say_the_margin_the_rule_uses(settings):
    """The margin in the figures' words is the UNPAID_MARGIN_DAYS setting, not a fixed 30."""
    settings.UNPAID_MARGIN_DAYS = 45
    for key in ("overdue", "to_remind", "at_risk"):
        assert "45 jours" in WORDS[key][1] and "30 jours" not in WORDS[key][1], key
    assert "la marge (30 jours par défaut)" in WORDS.documented()["overdue"][1]


def test_the_money_by_age_adds_up_to_the_owed_figure_on_every_surface(known):
    """The dashboard and the month's statistics show one ageing (reports.figures.ageing):
    the claims still owed on the day, by age, adding up to the owed figure (the claim sent
    after the day, the paid and the re-invoiced ones are in no bucket)."""
    only = Pharmacy.objects.filter(pk=known.pk)
    buckets = ageing(pharmacies=only, day=DAY)
    # 0-30: 28 and 10 Oct. (70 + 40); 31-60: 1, 10, 10, 5 Sept. (100 + 50 + 25 + 50); 90+: 1 Aug., 91 days (60).
    assert [(b.key, b.count, b.amount) for b in buckets] == [
        ("0-30", 2, Decimal("110.00")), ("31-60", 4, Decimal("225.00")),
        ("61-90", 0, Decimal("0.00")), ("90+", 1, Decimal("60.00")),
    ]
    assert sum(b.amount for b in buckets) == money_figures(pharmacies=only, day=DAY).owed.amount
    assert sum(b.count for b in buckets) == money_figures(pharmacies=only, day=DAY).owed.count
    assert pharmacy_dashboard(pharmacy=known, today=DAY)["buckets"] == buckets
    assert month_statistics(pharmacy=known, month=OCTOBER).unpaid == buckets
