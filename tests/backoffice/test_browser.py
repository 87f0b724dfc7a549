"""A manager sends a reminder letter in a real browser (Debian's Chromium driven by Playwright).

Also writes the portfolio and supervision screenshots of docs/pages.md (docs/screenshots/ with UPDATE_SCREENSHOTS=1, tests/screenshots.py).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from backoffice.models import LetterTemplate, ManagerAssignment, Reminder, TimeEntry
from claims.due import outstanding, to_claim_from_payer
from claims.models import Claim, ClaimStatus, PayerKind
from core.money import format_euros
from pharmacies.models import DelegationMode, User
from rejections.models import HandledBy, Rejection, RejectionStatus
from reports.statistics import monthly_counts_refresh
from tests.backoffice.reminder_dataset import build_reminder_candidates
from tests.factories import (
    BankLineFactory,
    ClaimFactory,
    OrganismFactory,
    PharmacyFactory,
    RejectionFactory,
    UserFactory,
)
from tests.screenshots import screenshots_dir
from tests.sessions import log_in_through_the_browser

SCREENSHOTS = screenshots_dir()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]




def _portfolio():
    """Two managers, a supervisor and a few delegated pharmacies with something to do."""
    # transactional_db may have flushed the default letter of the data migration away.
    LetterTemplate.objects.get_or_create(
        name="Relance standard",
        defaults={"subject": "Relance : factures impayées",
                  "body": "Madame, Monsieur,\n\nLes factures ci-dessous restent impayées ({total}).\n\nCordialement."},
    )
    today = timezone.localdate()
    manager = UserFactory(username="lea", first_name="Léa", last_name="Fournier", kind=User.Kind.MANAGER)
    other = UserFactory(username="marc", first_name="Marc", last_name="Henry", kind=User.Kind.MANAGER)
    supervisor = UserFactory(username="sophie", first_name="Sophie", last_name="Lambert", kind=User.Kind.SUPERVISOR)
    mutuelle = OrganismFactory(kind=PayerKind.AMC, code="0000775684", name="HARMONIE MUTUELLE", operator="Almerys")
    cpam = OrganismFactory(kind=PayerKind.AMO, code="016911234", name="CPAM DU RHONE")
    names = [("Pharmacie des Terreaux", DelegationMode.TOTAL, None), ("Pharmacie du Parc", DelegationMode.PARTIAL, 12),
             ("Grande Pharmacie de Villeurbanne", DelegationMode.PARTIAL, 8), ("Pharmacie Bellecour", DelegationMode.TOTAL, None)]
    pharmacies = []
    for index, (name, mode, hours) in enumerate(names):
        pharmacy = PharmacyFactory(name=name, city="Lyon", delegation_mode=mode, delegation_hours_per_month=hours,
                                   delegation_start=dt.date(2026, 1, 1))
        ManagerAssignment.objects.create(pharmacy=pharmacy, manager=manager if index < 3 else other)
        pharmacies.append(pharmacy)
        for n in range(2 + index):
            claim = ClaimFactory(pharmacy=pharmacy, organism=cpam, status=ClaimStatus.REJECTED,
                                 transmission_date=today - dt.timedelta(days=5 + n), amount_claimed=Decimal("42.10") * (n + 1))
            RejectionFactory(claim=claim, handled_by=HandledBy.BACKOFFICE)
        for n in range(12):
            ClaimFactory(pharmacy=pharmacy, organism=cpam, status=ClaimStatus.PAID,
                         transmission_date=today - dt.timedelta(days=3 + 25 * n))
        BankLineFactory(account__pharmacy=pharmacy)
        TimeEntry.objects.create(pharmacy=pharmacy, manager=manager if index < 3 else other, day=today, minutes=95 * (index + 1))
    target = pharmacies[0]
    unpaid = [
        ClaimFactory(pharmacy=target, organism=mutuelle, payer_kind=PayerKind.AMC, status=ClaimStatus.UNPAID,
                     patient_name=patient, transmission_date=today - dt.timedelta(days=days),
                     unpaid_since=today - dt.timedelta(days=days - 10), amount_claimed=Decimal(amount))
        for patient, days, amount in [("MARTIN Paul", 45, "61.20"), ("BERNARD Lucie", 52, "18.90"),
                                      ("DUBOIS Marc", 70, "143.75"), ("PETIT Louis", 35, "27.00")]
    ]
    ClaimFactory(pharmacy=target, organism=cpam, status=ClaimStatus.UNPAID, transmission_date=today - dt.timedelta(days=40))
    for pharmacy in pharmacies:  # the past months' counts, as last night left them
        monthly_counts_refresh(pharmacy_id=pharmacy.pk, today=today)
    return manager, supervisor, target, mutuelle, unpaid[:3]


def _login(page, url, user):
    log_in_through_the_browser(page, url, user)


def test_a_manager_sends_a_reminder_letter_for_three_unpaid_claims(live_server, browser, tmp_path):
    manager, supervisor, pharmacy, mutuelle, claims = _portfolio()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 800}, locale="fr-FR", accept_downloads=True)
    page = context.new_page()

    _login(page, live_server.url, manager)
    page.wait_for_url("**/backoffice/portefeuille/")
    rows = page.locator("#portfolio-table tbody tr")
    assert rows.count() == 3  # Pharmacie Bellecour is Marc's
    assert "Pharmacie Bellecour" not in page.content()
    page.screenshot(path=SCREENSHOTS / "backoffice-portfolio.png", full_page=True)

    page.get_by_role("link", name=pharmacy.name).click()
    page.wait_for_url(f"**/backoffice/pharmacies/{pharmacy.pk}/")
    page.get_by_role("link", name="Relances", exact=True).click()
    page.wait_for_url(f"**/backoffice/pharmacies/{pharmacy.pk}/relances/")
    options = page.locator("select[name=organisme] option").evaluate_all("els => els.map(e => e.value + ' ' + e.textContent)")
    assert str(mutuelle.pk) in [o.split(" ")[0] for o in options], (mutuelle.pk, mutuelle.code, options)
    page.select_option("select[name=organisme]", str(mutuelle.pk))
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(f"**organisme={mutuelle.pk}")
    for claim in claims:
        page.check(f"#claim-{claim.pk}")
    page.get_by_role("button", name="Générer la lettre de relance").click()
    page.wait_for_url("**/relances/*/")
    assert "prochaine relance le" in page.content()

    with page.expect_download() as download_info:
        page.click("#download-letter")
    path = tmp_path / "relance.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    for claim in claims:
        assert claim.invoice_number in text
    assert "HARMONIE MUTUELLE" in text and "223,85" in text  # 61,20 + 18,90 + 143,75

    page.get_by_role("link", name="Retour aux factures").click()
    reminded = page.locator("tr", has=page.locator(".reminded"))
    assert reminded.count() == 3
    listed = reminded.all_inner_texts()
    for claim in claims:
        assert any(claim.invoice_number in row for row in listed)
    page.screenshot(path=SCREENSHOTS / "backoffice-reminders.png", full_page=True)
    context.close()

    context = browser.new_context(viewport={"width": 1400, "height": 800}, locale="fr-FR")
    page = context.new_page()
    _login(page, live_server.url, supervisor)
    page.wait_for_url("**/backoffice/supervision/")
    assert page.locator("#manager-load tbody tr").count() == 2
    page.screenshot(path=SCREENSHOTS / "backoffice-supervision.png", full_page=True)
    context.close()


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


class Clicks:
    """Every click of a journey goes through here, so that the test can count them."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator) -> None:
        locator.click()
        self.count += 1


def test_a_manager_handles_a_rejection_from_the_queue_and_comes_back_to_the_same_filtered_queue(live_server, browser):
    """Issue 16: from the cross-pharmacy queue, the file's one action and its way back
    both return to the queue as it was filtered."""

    manager, _supervisor, pharmacy, _mutuelle, _claims = _portfolio()
    context = browser.new_context(viewport={"width": 1400, "height": 800}, locale="fr-FR")
    page = context.new_page()
    _login(page, live_server.url, manager)
    page.wait_for_url("**/backoffice/portefeuille/")
    page.goto(f"{live_server.url}/backoffice/file/")
    # Filter the queue: one pharmacy, 50 € and more.
    page.select_option("select[name=pharmacie]", str(pharmacy.pk))
    expect(page).to_have_url(re.compile(rf"pharmacie={pharmacy.pk}"))
    page.fill("input[name=montant_min]", "50")
    page.locator("input[name=montant_min]").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"montant_min=50"))
    expect(page.locator("#worklist-results tbody tr")).to_have_count(1)  # 84,20 € (the other is 42,10 €)
    queue = page.url
    target = Rejection.objects.get(pharmacy=pharmacy, amount__gte=50)

    # The way back: open the file, "← File de travail".
    page.locator("#worklist-results tbody a", has_text=target.claim.invoice_number).click()
    page.wait_for_url(re.compile(rf"/rejets/{target.pk}/\?retour="))
    back = page.locator("#way-back a")
    expect(back).to_have_text("← File de travail")
    back.click()
    page.wait_for_url(queue)
    expect(page.locator("#worklist-results tbody tr")).to_have_count(1)

    # The one action on the file: 3 clicks from the queue, and back to it.
    click = Clicks()
    click(page.locator("#worklist-results tbody a", has_text=target.claim.invoice_number))
    page.wait_for_url(re.compile(rf"/rejets/{target.pk}/\?retour="))
    click(page.locator(".resolve-card input[name=write_off_reason]"))
    page.keyboard.type("Forclos : transmise hors délai")
    page.screenshot(path=SCREENSHOTS / "rejection-file-one-action.png", full_page=True)
    click(page.get_by_role("button", name="Passer en perte et clore"))
    page.wait_for_url(queue)
    assert click.count == 3
    assert page.url == queue
    assert page.locator("select[name=pharmacie]").input_value() == str(pharmacy.pk)
    assert page.locator("input[name=montant_min]").input_value() == "50"
    expect(page.locator(".messages")).to_contain_text("passée en perte ; rejet clos")
    expect(page.locator("#worklist-results tbody tr")).to_have_text(re.compile("Aucun rejet"))
    page.screenshot(path=SCREENSHOTS / "backoffice-queue-after-action.png", full_page=True)
    target.refresh_from_db()
    assert (target.status, target.write_off_reason, target.assignee) == (
        RejectionStatus.CLOSED, "Forclos : transmise hors délai", manager)
    context.close()


def test_a_manager_sends_one_payers_letter_from_a_page_of_5000_candidates(live_server, browser, tmp_path):
    """Issue 16: 5,000 claims to remind; the manager pages to a payer, takes all of its
    claims in one click and generates its letter from the action at the top."""

    manager = UserFactory(username="lea", first_name="Léa", last_name="Fournier", kind=User.Kind.MANAGER)
    pharmacy = PharmacyFactory(name="Pharmacie des Terreaux", city="Lyon", delegation_mode=DelegationMode.TOTAL,
                               delegation_start=dt.date(2026, 1, 1))
    ManagerAssignment.objects.create(pharmacy=pharmacy, manager=manager)
    data = build_reminder_candidates(pharmacy=pharmacy, candidates=5000, actor=manager)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    _login(page, live_server.url, manager)
    page.wait_for_url("**/backoffice/portefeuille/")
    page.goto(f"{live_server.url}/backoffice/pharmacies/{pharmacy.pk}/relances/")
    assert "5\u202f000 factures" in page.locator("#reminder-summary").inner_text()
    groups = page.locator("section.reminder-group")
    expect(groups).to_have_count(10)
    # The action is at the top, above the first payer.
    assert page.locator("#generate-letter").bounding_box()["y"] < groups.first.bounding_box()["y"]
    page.screenshot(path=SCREENSHOTS / "backoffice-reminders-5000.png")

    page.get_by_role("link", name="Payeurs suivants →").click()
    page.wait_for_url("**/relances/?page=2")
    page.get_by_role("link", name="Payeurs suivants →").click()
    page.wait_for_url("**/relances/?page=3")
    payer = data.payers[22]  # on page 3 (payers by amount owed); a few dozen claims
    section = page.locator(f"#payeur-{payer.pk}")
    section.scroll_into_view_if_needed()
    section.locator("input[name=tout]").check()  # all of this payer, in one click
    # The action bar stays in sight while scrolling (sticky).
    assert page.locator("#generate-letter").is_visible()
    page.screenshot(path=SCREENSHOTS / "backoffice-reminders-payer-selected.png")
    page.locator("#generate-letter").click()
    page.wait_for_url(re.compile(r"/relances/\d+/$"))

    reminder = Reminder.objects.get(organism=payer)
    # What a letter asks the payer for: claims/due.py's one definition.
    owed = Claim.objects.filter(pharmacy=pharmacy, organism=payer).filter(
        to_claim_from_payer(timezone.localdate())
    )
    expected = owed.aggregate(total=Sum(outstanding()))["total"]
    assert reminder.lines.count() == owed.count() == data.counts[payer.pk]
    assert reminder.total == expected
    with page.expect_download() as download_info:
        page.click("#download-letter")
    path = tmp_path / "relance.pdf"
    download_info.value.save_as(path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert all(number in text for number in owed.values_list("invoice_number", flat=True))
    def squash(value: str) -> str:  # spaces, narrow or not, as the PDF's text gives them
        return re.sub(r"\s+", "", value)

    assert payer.name in text and squash(format_euros(expected)) in squash(text)
    context.close()
