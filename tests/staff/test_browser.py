"""A préparateur works a rejection in a real browser (Debian's Chromium driven by Playwright).

Also writes the screenshots of docs/pages.md (docs/screenshots/ with UPDATE_SCREENSHOTS=1, tests/screenshots.py).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice.models import JobRun
from claims.models import ClaimStatus, ImportBatch, PayerKind
from pharmacies.models import DelegationMode, StaffRole
from rejections.models import Fault, ReasonCategory
from tests.screenshots import screenshots_dir
from tests.factories import (
    TEST_PASSWORD,
    BankLineFactory,
    ClaimFactory,
    OrganismFactory,
    PharmacyFactory,
    ReasonFactory,
    RejectionFactory,
    StaffMemberFactory,
)

SCREENSHOTS = screenshots_dir()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]




def _demo_pharmacy():
    """A pharmacy that works its own file, with enough data for readable screenshots."""
    today = timezone.localdate()
    pharmacy = PharmacyFactory(name="Pharmacie des Terreaux", city="Lyon", delegation_mode=DelegationMode.NONE)
    user = StaffMemberFactory(
        pharmacy=pharmacy, role=StaffRole.PREPARATEUR, operator_code="CM",
        user__username="camille", user__first_name="Camille", user__last_name="Roux",
    ).user
    StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.TITULAIRE, operator_code="TIT",
                       user__first_name="Hélène", user__last_name="Garnier")
    cpam = OrganismFactory(kind=PayerKind.AMO, code="016911234", name="CPAM DU RHONE")
    mutuelle = OrganismFactory(kind=PayerKind.AMC, code="0000775684", name="HARMONIE MUTUELLE", operator="Almerys")
    rights = ReasonFactory(code="9450 072", label="DROITS AMO FERMES A LA DATE DES SOINS",
                           category=ReasonCategory.AMO_RIGHTS)
    contract = ReasonFactory(
        code="Z201", payer_kind=PayerKind.AMC, label="CONTRAT SUSPENDU OU RESILIE",
        category=ReasonCategory.AMC_RIGHTS, fault=Fault.COUNTER,
        advice_fix="Demander une attestation de moins de 3 mois au patient, puis refacturer sous un nouveau numéro.",
        advice_prevent="Choisir la mutuelle par son code de télétransmission et le bon contrat ; exiger une attestation récente.",
    )
    patients = ["MARTIN Paul", "BERNARD Lucie", "DUBOIS Marc", "THOMAS Julie", "ROBERT Alain",
                "RICHARD Emma", "PETIT Louis", "DURAND Chloé", "LEROY Hugo", "MOREAU Léa"]
    for index, patient in enumerate(patients):
        organism, reason = (mutuelle, contract) if index % 3 == 0 else (cpam, rights)
        claim = ClaimFactory(
            pharmacy=pharmacy, organism=organism, payer_kind=organism.kind, patient_name=patient,
            transmission_date=today - dt.timedelta(days=8 + 9 * index), care_date=today - dt.timedelta(days=9 + 9 * index),
            amount_claimed=Decimal("18.40") + Decimal(index * 37) + Decimal("0.15") * index,
            operator_code="CM" if index % 2 else "TIT", status=ClaimStatus.REJECTED,
        )
        RejectionFactory(claim=claim, reason=reason, rejected_on=claim.transmission_date + dt.timedelta(days=4))
    for months_back in range(0, 13):
        day = (today.replace(day=1) - dt.timedelta(days=months_back * 30)).replace(day=3)
        for _ in range(4 + months_back % 3):
            ClaimFactory(pharmacy=pharmacy, organism=cpam, transmission_date=day, care_date=day,
                         status=ClaimStatus.PAID, amount_paid=Decimal("32.50"))
    for days in (12, 40, 75, 130):
        ClaimFactory(pharmacy=pharmacy, organism=mutuelle, payer_kind=PayerKind.AMC, status=ClaimStatus.UNPAID,
                     transmission_date=today - dt.timedelta(days=days), unpaid_since=today - dt.timedelta(days=days - 10),
                     amount_claimed=Decimal("1234.56") / (days // 10))
    BankLineFactory(account__pharmacy=pharmacy, amount=Decimal("2418.37"), label="VIR SEPA RECU /DE CPAM DU RHONE")
    ImportBatch.objects.create(pharmacy=pharmacy, kind="claims", file_name="factures_2026-11.csv", sha256="a" * 64,
                               status="committed", committed_at=timezone.now())
    ImportBatch.objects.create(pharmacy=pharmacy, kind="returns", file_name="retours_noemie_2026-11-20.csv",
                               sha256="b" * 64, status="committed", committed_at=timezone.now())
    JobRun.objects.create(pharmacy=pharmacy, job="nightly", period=str(today), state="done",
                          started_at=timezone.now() - dt.timedelta(minutes=3), finished_at=timezone.now())
    return pharmacy, user


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _to_handle(page) -> int:
    return int(re.sub(r"\D", "", page.locator("#rejections-to-handle").inner_text()))


def test_a_preparateur_filters_opens_and_reinvoices_a_rejection(live_server, browser):
    pharmacy, user = _demo_pharmacy()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="fr-FR")

    page.goto(f"{live_server.url}/comptes/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/pharmacies/{pharmacy.pk}/")
    before = _to_handle(page)
    assert before == 10
    page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)

    page.get_by_role("link", name="Rejets", exact=True).click()
    page.wait_for_url("**/rejets/")
    page.select_option("select[name=categorie]", ReasonCategory.AMC_RIGHTS)
    expect(page).to_have_url(re.compile(r"categorie=amc_rights"))
    page.fill("input[name=q]", "MARTIN")
    expect(page).to_have_url(re.compile(r"q=MARTIN"))
    expect(page.locator("#worklist-results tbody tr")).to_have_count(1)
    assert "MARTIN Paul" in page.locator("#worklist-results tbody").inner_text()
    # The state is in the URL: reloading it shows the same filtered list.
    page.reload()
    assert page.locator("input[name=q]").input_value() == "MARTIN"
    assert page.locator("#worklist-results tbody tr").count() == 1
    page.fill("input[name=q]", "")
    expect(page.locator("#worklist-results tbody tr")).to_have_count(4)
    # The back button returns to the previous filtered state.
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=MARTIN"))
    expect(page.locator("#worklist-results tbody tr")).to_have_count(1)
    page.go_forward()
    expect(page.locator("#worklist-results tbody tr")).to_have_count(4)
    page.screenshot(path=SCREENSHOTS / "worklist.png", full_page=True)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.screenshot(path=SCREENSHOTS / "worklist-tablet.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.locator("#worklist-results tbody a").filter(has_text=re.compile(r"\d{9}")).first.click()
    page.wait_for_url(re.compile(r"/rejets/\d+/$"))
    page.get_by_role("button", name="Prendre en charge").click()
    page.wait_for_selector("#rejection-status >> text=En cours")
    page.fill("input[name=new_invoice_number]", "246813579")
    page.get_by_role("button", name="Corrigé et refacturé").click()
    page.wait_for_selector("#rejection-status >> text=Corrigé et refacturé")
    page.fill("#id_text", "Attestation de moins de 3 mois scannée, refacturé.")
    page.get_by_role("button", name="Commenter").click()
    page.wait_for_selector("ol.history >> text=Attestation de moins de 3 mois")
    assert "246813579" in page.locator("#panel").inner_text()
    page.screenshot(path=SCREENSHOTS / "detail.png", full_page=True)

    page.get_by_role("link", name="Tableau de bord").click()
    page.wait_for_url(f"**/pharmacies/{pharmacy.pk}/")
    assert _to_handle(page) == before - 1

    page.get_by_role("link", name="Impayés", exact=True).click()
    page.wait_for_url("**/impayes/")
    expect(page.locator("#worklist-results tbody tr")).to_have_count(4)
    page.screenshot(path=SCREENSHOTS / "unpaid.png", full_page=True)
    page.get_by_role("link", name="Tableau de bord").click()
    page.wait_for_url(f"**/pharmacies/{pharmacy.pk}/")

    # Keyboard: the skip link is the first stop and leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    tablet = browser.new_page(viewport={"width": 768, "height": 1024}, locale="fr-FR")
    tablet.context.add_cookies(page.context.cookies())
    tablet.goto(page.url)
    tablet.screenshot(path=SCREENSHOTS / "dashboard-tablet.png", full_page=True)
    # Nothing wider than the tablet screen but the scrollable tables.
    assert tablet.evaluate("document.documentElement.scrollWidth") <= 768
