"""A manager goes from the portfolio to a payer across their pharmacies, then to that payer
seen from one pharmacy, in a real browser (Debian's Chromium driven by Playwright).

Writes backoffice-payers.png, backoffice-payer.png and payer.png (docs/screenshots/ with
UPDATE_SCREENSHOTS=1, tests/screenshots.py).
"""

from __future__ import annotations

import pytest

from tests.reports.test_payers import today_is_day, world  # noqa: F401 (fixtures)
from tests.screenshots import screenshots_dir
from tests.sessions import log_in_through_the_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_opens_a_payer_from_the_portfolio(live_server, browser, world, pharmacy_a,  # noqa: F811
                                                    pharmacy_c, manager_a, today_is_day):  # noqa: F811
    shots = screenshots_dir()
    page = browser.new_context(viewport={"width": 1400, "height": 800}, locale="fr-FR").new_page()
    log_in_through_the_browser(page, live_server.url, manager_a)
    page.wait_for_url("**/backoffice/portefeuille/")

    page.get_by_role("link", name="Organismes payeurs").click()
    page.wait_for_url("**/backoffice/payeurs/")
    names = page.locator("tbody tr td:first-child a").all_inner_texts()
    assert names[:2] == ["MUTUELLE UN", "CPAM TEST"]  # the most money waiting first
    page.screenshot(path=shots / "backoffice-payers.png", full_page=True)

    page.get_by_role("link", name="CPAM TEST").click()
    page.wait_for_url(f"**/backoffice/payeurs/{world['p'].pk}/")
    assert page.locator("tbody tr").count() == 2 and pharmacy_c.name not in page.content()
    assert "10,5" in page.locator("tfoot").inner_text()  # the median of the whole set
    page.screenshot(path=shots / "backoffice-payer.png", full_page=True)

    page.get_by_role("link", name=pharmacy_a.name).click()
    page.wait_for_url(f"**/pharmacies/{pharmacy_a.pk}/payeurs/{world['p'].pk}/")
    figures = page.locator("tbody").first.inner_text()
    assert "9,5" in figures and "13,1" in figures
    page.screenshot(path=shots / "payer.png", full_page=True)
