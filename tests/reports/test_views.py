"""Reports pages: who may see what (404 across tenants), figures, drill-down, Excel."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from reports.services import report_produce
from tests.factories import BankLineFactory, PaymentSlipFactory
from tests.reports.dataset import build_month

OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture
def data_a(pharmacy_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_month(pharmacy=pharmacy_a, month=OCTOBER,
                       operators={"OP-A": (60, 0.05), "OP-B": (40, 0.3)}, error_prone="OP-B")


@pytest.fixture
def report_a(data_a):
    return report_produce(pharmacy_id=data_a.pharmacy.pk, month=OCTOBER)


def test_the_archive_lists_the_reports_for_staff_and_managers(login, titulaire_a, manager_a, report_a):
    for user in (titulaire_a, manager_a):
        response = login(user).get(f"/pharmacies/{report_a.pharmacy_id}/rapports/")
        assert response.status_code == 200
        assert "Octobre 2026" in response.text
        assert f"/rapports/{report_a.pk}/pdf/" in response.text


def test_the_pdf_is_served_only_inside_the_access_rule(login, titulaire_a, manager_c, pharmacy_c, report_a):
    url = f"/pharmacies/{report_a.pharmacy_id}/rapports/{report_a.pk}/pdf/"
    response = login(titulaire_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    client = login(manager_c)
    assert client.get(url).status_code == 404
    # Through a pharmacy the manager may see, another tenant's report is still a 404.
    assert client.get(f"/pharmacies/{pharmacy_c.pk}/rapports/{report_a.pk}/pdf/").status_code == 404


def test_it_requires_login(client, report_a):
    response = client.get(f"/pharmacies/{report_a.pharmacy_id}/rapports/")
    assert response.status_code == 302


def test_the_statistics_page_shows_the_month_figures_with_drill_down(login, titulaire_a, data_a):
    url = f"/pharmacies/{data_a.pharmacy.pk}/rapports/statistiques/?mois=2026-10"
    response = login(titulaire_a).get(url)
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats.claims == 100
    assert stats.rejected_claims == sum(1 for c in data_a.claims if c.reasons and c.transmitted >= OCTOBER)
    assert "operateur=OP-B" in response.text

    drill = login(titulaire_a).get(
        f"/pharmacies/{data_a.pharmacy.pk}/rapports/statistiques/rejets/?mois=2026-10&operateur=OP-B"
    )
    assert drill.status_code == 200
    expected = sum(len(c.reasons) for c in data_a.claims if c.operator == "OP-B" and c.transmitted >= OCTOBER)
    assert drill.context["page"].paginator.count == expected


def test_the_statistics_page_is_404_for_another_managers_pharmacy(login, manager_c, data_a):
    assert login(manager_c).get(f"/pharmacies/{data_a.pharmacy.pk}/rapports/statistiques/").status_code == 404


def test_the_rejections_export_has_real_dates_numbers_and_a_frozen_filtered_header(login, titulaire_a, data_a):
    response = login(titulaire_a).get(f"/pharmacies/{data_a.pharmacy.pk}/rapports/export/rejets.xlsx?mois=2026-10")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["Rejets"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    header = [c.value for c in sheet[1]]
    assert header[0] == "Rejeté le" and "Montant en jeu" in header
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == sum(len(c.reasons) for c in data_a.claims if c.transmitted >= OCTOBER)
    assert isinstance(rows[0][0], dt.datetime)
    assert isinstance(rows[0][header.index("Montant en jeu")], (int, float))


def test_every_export_opens(login, titulaire_a, data_a):
    PaymentSlipFactory(pharmacy=data_a.pharmacy, payment_date=dt.date(2026, 10, 3))
    BankLineFactory(account__pharmacy=data_a.pharmacy, booking_date=dt.date(2026, 10, 4))
    client = login(titulaire_a)
    for kind, sheet_name in [("impayes", "Impayés"), ("bordereaux", "Bordereaux"),
                             ("rapprochement", "Rapprochement bancaire"), ("statistiques", "Opérateurs")]:
        response = client.get(f"/pharmacies/{data_a.pharmacy.pk}/rapports/export/{kind}.xlsx?mois=2026-10")
        assert response.status_code == 200, kind
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert workbook[sheet_name].max_row >= 2, kind


def test_the_comparison_shows_only_the_managers_pharmacies(login, manager_a, pharmacy_b, pharmacy_c, data_a):
    response = login(manager_a).get("/rapports/comparaison/?mois=2026-10")
    assert response.status_code == 200
    names = [row.pharmacy.name for row in response.context["rows"]]
    assert names == ["Pharmacie A", "Pharmacie B"]
    row_a = response.context["rows"][0]
    assert row_a.claims == 100


def test_the_comparison_is_404_for_pharmacy_staff(login, titulaire_a):
    assert login(titulaire_a).get("/rapports/comparaison/").status_code == 404


def test_the_unpaid_page_names_its_age_bucket_and_answers_an_odd_one(login, titulaire_a, data_a):
    # Found by mypy (issue 17): the label looked the bucket up by an int in a dict
    # keyed by "0-30"…, so no label ever showed and ?anciennete=1 answered a 500.
    client = login(titulaire_a)
    url = f"/pharmacies/{data_a.pharmacy.pk}/rapports/statistiques/impayes/?mois=2026-10&anciennete="
    response = client.get(url + "31-60")
    assert response.status_code == 200
    assert "· 31 à 60 jours" in response.text
    for odd in ("1", "0", "abc", "90%2B%2B"):
        response = client.get(url + odd)
        assert response.status_code == 200
        assert "jours <span" not in response.text
