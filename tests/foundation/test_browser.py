"""French pages as a person sees them (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import pytest

from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_account_page_says_who_is_connected_in_one_sentence(live_server, browser, titulaire_a):
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page.goto(f"{live_server.url}/comptes/login/")
    page.fill("#id_username", titulaire_a.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/comptes/securite/")
    sentence = page.locator("main p").filter(has_text="Connecté en tant que")
    name = sentence.locator("strong")
    # One line of prose: the name sits on the sentence's first line, not stacked below it.
    assert abs(name.bounding_box()["y"] - sentence.bounding_box()["y"]) < 4
    assert sentence.evaluate("p => getComputedStyle(p).display") == "block"
    # The header names the job.
    assert page.locator(".userbox a").first.inner_text().endswith("· Titulaire")
