"""A préparateur works a rejection in a real browser (Debian's Chromium driven by Playwright).

Also writes the screenshots of docs/pages.md (docs/screenshots/ with UPDATE_SCREENSHOTS=1, tests/screenshots.py).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from claims.models import ClaimStatus, ImportBatch, PayerKind
from pharmacies.models import DelegationMode, JobRun, StaffRole
from rejections.models import Fault, ReasonCategory
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
from tests.screenshots import screenshots_dir

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
    for months_back in range(13):
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
    expect(page.locator("#worklist-results tbody tr")).to_have_count(1)
    assert "MARTIN Paul" in page.locator("#worklist-results tbody").inner_text()
    # The filters are in the URL, the patient search is not (a shared PC's history).
    assert "categorie=amc_rights" in page.url and "MARTIN" not in page.url
    # Reloading shows the filtered list, without the search.
    page.reload()
    assert page.locator("input[name=q]").input_value() == ""
    expect(page.locator("#worklist-results tbody tr")).to_have_count(4)
    # The back button returns to the previous filtered state.
    page.select_option("select[name=categorie]", "")
    expect(page).not_to_have_url(re.compile(r"categorie="))
    expect(page.locator("#worklist-results tbody tr")).not_to_have_count(4)
    page.go_back()
    expect(page).to_have_url(re.compile(r"categorie=amc_rights"))
    expect(page.locator("#worklist-results tbody tr")).to_have_count(4)
    page.screenshot(path=SCREENSHOTS / "worklist.png", full_page=True)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.screenshot(path=SCREENSHOTS / "worklist-tablet.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    list_url = page.url
    page.locator("#worklist-results tbody a").filter(has_text=re.compile(r"\d{9}")).first.click()
    # The file knows the filtered list it was opened from (issue 16).
    page.wait_for_url(re.compile(r"/rejets/\d+/\?retour="))
    page.get_by_role("button", name="Prendre en charge").click()
    page.wait_for_selector("#rejection-status >> text=En cours")
    assert "Camille Roux" in page.locator("#panel").inner_text()  # taking it made it hers
    page.fill("#id_text", "Attestation de moins de 3 mois scannée, refacturé.")
    page.get_by_role("button", name="Commenter").click()
    page.wait_for_selector("ol.history >> text=Attestation de moins de 3 mois")
    page.screenshot(path=SCREENSHOTS / "detail.png", full_page=True)
    page.fill(".resolve-card input[name=new_invoice_number]", "246813579")
    page.get_by_role("button", name="Refacturer").click()
    # Back on the list it came from, with its filters.
    page.wait_for_url(list_url)
    expect(page.locator(".messages")).to_contain_text("refacturée sous le n° 246813579")
    assert page.locator("select[name=categorie]").input_value() == ReasonCategory.AMC_RIGHTS

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


class Clicks:
    """Every click of a journey goes through here, so that the test can count them."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def __call__(self, locator) -> None:
        locator.click()
        self.count += 1


def test_a_preparateur_handles_a_rejection_in_three_clicks_from_the_worklist(live_server, browser):
    """Issue 16: re-invoiced, lost with a reason, sent to the other payer, each in ≤ 3 clicks
    from the worklist, without leaving it; taking it makes it the préparateur's."""
    from rejections.models import Rejection
    from rejections.models import RejectionStatus as S

    pharmacy, user = _demo_pharmacy()
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page.goto(f"{live_server.url}/comptes/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/pharmacies/{pharmacy.pk}/")
    worklist = f"{live_server.url}/pharmacies/{pharmacy.pk}/rejets/?tri=-montant"
    page.goto(worklist)

    def row(patient: str):
        return page.locator("#worklist-results tbody tr", has_text=patient)

    def handled(patient: str, steps) -> int:
        click = Clicks(page)
        steps(click, row(patient))
        return click.count

    # Re-invoiced: "Traiter" puts the cursor in the number, type it, "Refacturer".
    def reinvoice(click, r):
        click(r.get_by_text("Traiter", exact=True))
        assert page.evaluate("document.activeElement.name") == "new_invoice_number"
        page.keyboard.type("246813579")
        click(r.get_by_role("button", name="Refacturer"))
        expect(r).to_contain_text("refacturée sous le n° 246813579")

    assert handled("MARTIN Paul", reinvoice) <= 3

    # Lost: "Traiter", the reason's box, the reason, "Passer en perte et clore".
    def lose(click, r):
        click(r.get_by_text("Traiter", exact=True))
        click(r.locator("input[name=write_off_reason]"))
        page.keyboard.type("Patient parti sans laisser d'adresse")
        page.screenshot(path=SCREENSHOTS / "worklist-quick-action.png", full_page=True)
        click(r.get_by_role("button", name="Passer en perte et clore"))
        expect(r).to_contain_text("passée en perte ; rejet clos")

    assert handled("BERNARD Lucie", lose) == 3

    # Sent to the other payer: "Traiter", "Envoyer à l'autre payeur (AMC)".
    def other_payer(click, r):
        click(r.get_by_text("Traiter", exact=True))
        click(r.get_by_role("button", name=re.compile("Envoyer à l'autre payeur")))
        expect(r).to_contain_text("envoyée à l'autre payeur")

    assert handled("DUBOIS Marc", other_payer) == 2

    # Nothing reloaded the page: still the same sorted list.
    assert page.url == worklist
    page.screenshot(path=SCREENSHOTS / "worklist-handled.png", full_page=True)
    done = {r.claim.patient_name: r for r in Rejection.objects.select_related("claim").filter(
        pharmacy=pharmacy, claim__patient_name__in=["MARTIN Paul", "BERNARD Lucie", "DUBOIS Marc"])}
    assert (done["MARTIN Paul"].status, done["MARTIN Paul"].new_invoice_number) == (S.REINVOICED, "246813579")
    assert (done["BERNARD Lucie"].status, done["BERNARD Lucie"].write_off_reason) == (
        S.CLOSED, "Patient parti sans laisser d'adresse")
    assert done["DUBOIS Marc"].status == S.CLAIMED
    assert {r.assignee for r in done.values()} == {user}
