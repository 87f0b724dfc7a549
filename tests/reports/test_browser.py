"""The demo's titulaire opens last month's report in a real browser (Debian's Chromium
driven by Playwright), after the demo's own steps on a small generated set.

Writes demo-reports.png (the "Rapports" page) and demo-report.png (the PDF's first
page) into docs/screenshots/ with UPDATE_SCREENSHOTS=1 (tests/screenshots.py).
"""

from __future__ import annotations

import io
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone

from backoffice.demo import DEMO_PASSWORD
from core.periods import add_months, first_of_month
from pharmacies.models import User
from reports.models import MonthlyReport
from reports.months import month_name
from tests.generated import generate_demo_data
from tests.screenshots import screenshots_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_titulaire_opens_last_months_report(live_server, browser, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    data = generate_demo_data(tmp_path / "demo")
    for step, args in (("demo_setup", ["--data", str(data)]), ("demo_load", ["--data", str(data)]),
                       ("run_matching", []), ("monthly_reports", [])):
        call_command(step, *args, stdout=io.StringIO())
    last_month = add_months(first_of_month(timezone.localdate()), -1)
    titulaire = User.objects.get(username="titulaire1")
    pharmacy = titulaire.staff_member.pharmacy
    report = MonthlyReport.objects.get(pharmacy=pharmacy, month=last_month)

    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="fr-FR", accept_downloads=True)
    page.goto(f"{live_server.url}/comptes/login/")
    page.fill("#id_username", "titulaire1")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/pharmacies/{pharmacy.pk}/")
    # The dashboard opens on the month the data have, and says which.
    assert month_name(last_month) in page.locator("#rate-month").inner_text()

    page.get_by_role("link", name="Rapports", exact=True).click()
    page.wait_for_url("**/rapports/")
    row = page.locator("tbody tr").filter(has_text=month_name(last_month).capitalize())
    assert row.count() == 1 and "Envoyé" in row.inner_text()
    assert "le premier sera produit" not in page.content()
    page.screenshot(path=screenshots_dir() / "demo-reports.png", full_page=True)

    # Headless Chromium has no PDF viewer: opening the PDF downloads it.
    with page.expect_download() as opened:
        row.get_by_role("link", name="PDF").click(modifiers=["Alt"])
    pdf = tmp_path / "rapport.pdf"
    opened.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert opened.value.suggested_filename == f"rapport-{pharmacy.finess}-{last_month:%Y-%m}.pdf"
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert pharmacy.name in text and month_name(last_month) in text
    assert report.pdf.size == pdf.stat().st_size
    first_page = screenshots_dir() / "demo-report"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(first_page)],
                   check=True)
