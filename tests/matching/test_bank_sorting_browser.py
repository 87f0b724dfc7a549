"""One click in a real browser (Debian's Chromium): a card remittance the sort could not
recognise leaves the "virements non rapprochés", in place (HTMX, under the CSP)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from claims.models import PayerKind
from payments.classification import bank_lines_classify
from payments.models import BankLine
from pharmacies.models import StaffRole
from tests.factories import (
    TEST_PASSWORD,
    BankAccountFactory,
    BankLineFactory,
    OrganismFactory,
    PharmacyFactory,
    StaffMemberFactory,
)
from tests.screenshots import screenshots_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_titulaire_moves_a_line_out_of_tiers_payant_in_one_click(live_server, browser):
    from playwright.sync_api import expect

    pharmacy = PharmacyFactory(name="Pharmacie des Terreaux")
    user = StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.TITULAIRE,
                              user__username="helene").user
    OrganismFactory(kind=PayerKind.AMO, code="016911234", name="CPAM DU RHONE")
    account = BankAccountFactory(pharmacy=pharmacy)
    for amount, label in (("2418.37", "VIR SEPA RECU /DE CPAM DU RHONE"),
                          ("1312.50", "VIR SEPA RECU /DE MONETICO TIERS PAYANT SANTE")):
        BankLineFactory(account=account, amount=Decimal(amount), label=label, kind="",
                        kind_source="")
    BankLineFactory(account=account, amount=Decimal("980.10"), label="REMISE CB 1234567 0203",
                    details={"operation_code": "A1"}, kind="", kind_source="")
    bank_lines_classify(pharmacy_id=pharmacy.pk)

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{live_server.url}/comptes/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/pharmacies/{pharmacy.pk}/")
    page.goto(f"{live_server.url}/pharmacies/{pharmacy.pk}/paiements/non-rapproches/")
    expect(page.locator("#bank-lines .card .figure").first).to_have_text("2")

    row = page.locator("#bank-lines tr", has_text="MONETICO")
    row.get_by_role("button", name="Hors tiers-payant").click()
    expect(page.locator("#bank-lines .card .figure").first).to_have_text("1")
    expect(page).to_have_url(f"{live_server.url}/pharmacies/{pharmacy.pk}/paiements/non-rapproches/")
    line = BankLine.objects.get(label__contains="MONETICO")
    assert (line.kind, line.kind_source) == ("other_credit", "manual")
    page.get_by_role("link", name="Remise carte (1)").click()
    expect(page.locator("#bank-lines")).to_contain_text("REMISE CB 1234567 0203")
    page.screenshot(path=screenshots_dir() / "bank_lines_sorted.png", full_page=True)
    assert errors == []
