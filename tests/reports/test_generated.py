"""The monthly report on generated data: figures equal those recomputed from the files.

Generated with the `synthetic` package, imported through the import pipeline,
one nightly run; the expected figures come from the generated `factures.csv`
and `truth.json`, never from the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from pharmacies.models import StaffMember, User
from reports.services import report_produce
from reports.statistics import month_statistics
from synthetic.run import generate
from tests.factories import PharmacyFactory
from tests.generated import generated_months, import_generated_month
from tiers_payant.night import nightly_run

MONTHS = 3  # 2025-07..2025-09; the report covers the middle month, whose returns all came in
REPORT_MONTH = dt.date(2025, 8, 1)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(seed=5, pharmacies=1, months=MONTHS, out=str(out), scale=1.0, start="2025-07")
    return out


@pytest.fixture
def imported(generated, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (entry,) = json.loads((generated / "pharmacies.json").read_text())
    pharmacy = PharmacyFactory(finess=entry["finess"], name=entry["name"])
    for person in entry["staff"]:
        user = None
        if person["role"] == "titulaire":
            user = User.objects.create(username=person["operator_code"], email=person["email"])
        StaffMember.objects.create(pharmacy=pharmacy, user=user, first_name=person["first_name"],
                                   last_name=person["last_name"], role=person["role"],
                                   operator_code=person["operator_code"])
    claims, rejected = [], []
    for month in generated_months(generated, entry["finess"]):
        import_generated_month(pharmacy, month)
        with open(month / "factures.csv", encoding=entry["encoding"], newline="") as handle:
            claims += list(csv.DictReader(handle, delimiter=";"))
        rejected += json.loads((month / "truth.json").read_text())["rejected"]
    assert nightly_run(pharmacy_id=pharmacy.pk, day=dt.date(2025, 10, 8)) == "done"
    return {"entry": entry, "pharmacy": pharmacy, "claims": claims, "rejected": rejected}


def expected(imported):
    """The report month's figures, from the generated files only."""
    def transmitted(row):
        return dt.datetime.strptime(row["date_transmission"], "%d/%m/%Y").date()

    month = {(row["facture"], row["payeur"]): row for row in imported["claims"]
             if transmitted(row).replace(day=1) == REPORT_MONTH}
    rejected = {(f, kind): code for f, kind, _organism, code, _operator in imported["rejected"]
                if (f, kind) in month}
    return month, rejected


def test_the_report_figures_equal_those_of_the_generated_files(imported):
    month, rejected = expected(imported)
    stats = month_statistics(pharmacy=imported["pharmacy"], month=REPORT_MONTH)

    assert stats.claims == len(month) > 1000
    assert stats.claims_amount == sum(Decimal(r["montant"].replace(",", ".")) for r in month.values())
    assert stats.rejected_claims == len(rejected) > 10
    assert stats.rejection_rate == pytest.approx(len(rejected) / len(month))
    assert {r.code: r.count for r in stats.reasons} == dict(Counter(rejected.values()))

    volume = Counter(row["operateur"] for row in month.values())
    errors = Counter(month[key]["operateur"] for key in rejected)
    for operator in stats.operators:
        assert operator.claims == volume[operator.operator_code]
        assert operator.rejected == errors[operator.operator_code]


def test_the_operator_breakdown_names_the_generators_error_prone_operator(imported):
    stats = month_statistics(pharmacy=imported["pharmacy"], month=REPORT_MONTH)
    error_prone = imported["entry"]["error_prone_operator"]
    assert max(stats.operators, key=lambda o: o.rate or 0).operator_code == error_prone
    assert stats.operator_needing_help.operator_code == error_prone


def test_the_pdf_has_pharmacy_and_month_on_each_page_and_the_top_reasons(imported):
    report = report_produce(pharmacy_id=imported["pharmacy"].pk, month=REPORT_MONTH)
    text = subprocess.run(["pdftotext", "-layout", report.pdf.path, "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2
    for page in pages:
        assert imported["pharmacy"].name in page and "août 2025" in page
    _, rejected = expected(imported)
    summary = " ".join(pages[0].split())
    stats = month_statistics(pharmacy=imported["pharmacy"], month=REPORT_MONTH)
    top_codes = [code for code, _ in Counter(rejected.values()).most_common()]
    for reason in stats.top_reasons:
        assert reason.code in top_codes[:len(stats.top_reasons) + 2]  # ties may reorder
        assert reason.label in summary
    error_prone = imported["entry"]["error_prone_operator"]
    assert error_prone in summary
