"""French everywhere, and no 500 on odd input: the header, the admin, the favicon,
the month parameter of every page that reads `?mois=`."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from core.periods import add_months, first_of_month


def test_the_header_names_the_person_s_job(login, titulaire_a, preparateur_a, manager_a):
    page = login(titulaire_a).get(f"/pharmacies/{titulaire_a.staff_member.pharmacy_id}/")
    assert "· Titulaire</a>" in page.text
    assert "Personnel de pharmacie" not in page.text
    page = login(preparateur_a).get(f"/pharmacies/{preparateur_a.staff_member.pharmacy_id}/")
    assert "· Préparateur</a>" in page.text
    page = login(manager_a).get("/backoffice/portefeuille/")
    assert "· Gestionnaire Backoffice</a>" in page.text


def test_the_admin_speaks_french(login, supervisor):
    page = login(supervisor).get("/admin/")
    assert page.status_code == 200
    for english in ("Otp_Static", "Otp_Totp", "Static devices", "TOTP devices", ">Axes<", "Django administration"):
        assert english not in page.text, english
    # The second-factor devices are not in the admin at all (their secrets are never shown).
    for french in ("Verrouillage des connexions", "Administration du tiers-payant"):
        assert french.replace("’", "'") in page.text.replace("&#x27;", "'").replace("’", "'"), french


def test_a_favicon_is_served_and_linked_from_the_pages_and_the_admin(client, login, titulaire_a, supervisor):
    assert finders.find("favicon.svg")
    assert "<svg" in Path(finders.find("favicon.svg")).read_text(encoding="utf-8")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith(".svg")
    login_page = client.get("/comptes/login/")
    assert 'rel="icon"' in login_page.text and "favicon" in login_page.text
    assert 'rel="icon"' in login(supervisor).get("/admin/").text


def _report_urls(pharmacy_id: int) -> list[str]:
    base = f"/pharmacies/{pharmacy_id}/rapports/"
    return [
        f"{base}statistiques/", f"{base}statistiques/rejets/", f"{base}statistiques/impayes/",
        f"{base}export/statistiques.xlsx", f"{base}export/rejets.xlsx", "/rapports/comparaison/",
    ]


@pytest.mark.parametrize("mois, shown, notice", [
    ("0001-01", "2000-01", "trop ancien"),
    ("9999-12", "current", "futur"),
    ("2026-13", "previous", "illisible"),
    ("abc", "previous", "illisible"),
    ("", "previous", None),
])
def test_odd_months_answer_the_nearest_month_with_a_french_notice(login, manager_a, pharmacy_a, mois, shown, notice):
    client = login(manager_a)
    this_month = first_of_month(timezone.localdate())
    expected = {"current": this_month, "previous": add_months(this_month, -1)}.get(shown) or dt.date.fromisoformat(f"{shown}-01")
    for url in _report_urls(pharmacy_a.pk):
        response = client.get(url, {"mois": mois})
        assert response.status_code == 200, (url, mois)
        if url.endswith(".xlsx"):
            assert f"{expected:%Y-%m}" in response["Content-Disposition"]
            continue
        assert response.context["month"] == expected
        if notice:
            assert notice in response.context["month_notice"] and notice in response.text
        else:
            assert response.context["month_notice"] == ""


def test_mois_suivant_stops_at_the_current_month(login, manager_a, pharmacy_a):
    client = login(manager_a)
    this_month = first_of_month(timezone.localdate())
    url = f"/pharmacies/{pharmacy_a.pk}/rapports/statistiques/"
    current = client.get(url, {"mois": f"{this_month:%Y-%m}"})
    assert f"?mois={add_months(this_month, 1):%Y-%m}" not in current.text
    assert 'aria-disabled="true"' in current.text and "Mois suivant" in current.text
    past = client.get(url, {"mois": f"{add_months(this_month, -1):%Y-%m}"})
    assert f"?mois={this_month:%Y-%m}" in past.text


@pytest.mark.parametrize("query", [
    {"motif": "99999999999999999999"}, {"organisme": "-1"}, {"organisme": "１２"}, {"categorie": "x" * 300},
    {"operateur": "'; DROP TABLE x; --"}, {"evitable": "oui"}, {"anciennete": "99"}, {"anciennete": "-1"},
    {"page": "999999"}, {"page": "abc"}, {"mois": "2026-10", "motif": "0"},
])
def test_odd_drill_down_parameters_never_answer_a_500(login, titulaire_a, query):
    client = login(titulaire_a)
    base = f"/pharmacies/{titulaire_a.staff_member.pharmacy_id}/rapports/"
    for url in (f"{base}statistiques/rejets/", f"{base}statistiques/impayes/", f"{base}export/rejets.xlsx",
                f"{base}export/impayes.xlsx"):
        assert client.get(url, query).status_code == 200, (url, query)


def test_the_drill_down_keeps_odd_filter_values_encoded(login, titulaire_a, pharmacy_a):
    from django.urls import reverse

    url = reverse("reports:rejections", args=[pharmacy_a.pk])
    response = login(titulaire_a).get(url, {"motif": "a&page=9 b"})
    assert response.status_code == 200
    assert response.context["filters"] == "motif=a%26page%3D9+b"
