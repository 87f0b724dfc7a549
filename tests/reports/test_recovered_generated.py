"""Recovered money on a generated year equals the generator's truth, month by month.

A year of 4 pharmacies (seed 31, used by no other test; a tenth of the usual volume),
imported through the import pipeline, one night after the year. The generator writes,
in each month's truth.json, every payment on a re-invoice dated in that month
(`recovered`: full, partial, and recoveries taken back); the report's "Montant
récupéré" of each pharmacy's month (reports.figures.recovered, what the PDF and the
Excel show) must equal their sum, and its count the rejected invoices paid that month.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from core.periods import add_months
from rejections.models import Rejection, RejectionStatus
from reports.statistics import month_statistics
from synthetic.run import generate
from tests.factories import PharmacyFactory
from tests.generated import generated_months, import_generated_month
from tiers_payant.night import nightly_run

SEED, PHARMACIES, MONTHS, START = 31, 4, 12, "2025-01"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(seed=SEED, pharmacies=PHARMACIES, months=MONTHS, out=str(out), scale=0.1,
             start=START)
    return out


@pytest.mark.django_db(transaction=False)
def test_the_recovered_money_of_each_pharmacys_month_equals_the_truth(generated):
    truth: dict[tuple[str, str], list] = defaultdict(list)  # (finess, "YYYY-MM") → payments
    pharmacies = {}
    for entry in json.loads((generated / "pharmacies.json").read_text()):
        pharmacies[entry["finess"]] = pharmacy = PharmacyFactory(finess=entry["finess"],
                                                                 name=entry["name"])
        for month_dir in generated_months(generated, entry["finess"]):
            import_generated_month(pharmacy, month_dir)
            for row in json.loads((month_dir / "truth.json").read_text())["recovered"]:
                truth[(entry["finess"], row[6][:7])].append(row)
    last = add_months(dt.date.fromisoformat(f"{START}-01"), MONTHS) - dt.timedelta(days=1)
    for pharmacy in pharmacies.values():
        assert nightly_run(pharmacy_id=pharmacy.pk, day=last + dt.timedelta(days=7)) == "done"

    kinds = Counter(row[4] for rows in truth.values() for row in rows)
    assert kinds["PAYE"] > 100 and kinds["PARTIEL"] >= 1 and kinds["INDU"] >= 1  # all three

    checked = 0
    for finess, pharmacy in pharmacies.items():
        for index in range(MONTHS):
            month = add_months(dt.date.fromisoformat(f"{START}-01"), index)
            rows = truth.get((finess, f"{month:%Y-%m}"), [])
            stats = month_statistics(pharmacy=pharmacy, month=month)
            expected_amount = sum((Decimal(row[5]) for row in rows), Decimal("0.00"))
            expected_count = len({(row[0], row[2]) for row in rows if Decimal(row[5]) > 0})
            assert (stats.recovered_count, stats.recovered_amount) == (
                expected_count, expected_amount), (finess, month)
            checked += bool(rows)
    assert checked >= PHARMACIES * (MONTHS - 1)

    # Each partly paid re-invoice left its rejection partly recovered, the rest owed.
    for finess, pharmacy in pharmacies.items():
        paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        partial = set()
        for (of, _month), rows in truth.items():
            for rejected, _new, kind, _payer, status, amount, _day in rows if of == finess else ():
                paid[(rejected, kind)] += Decimal(amount)
                partial |= {(rejected, kind)} if status == "PARTIEL" else set()
        for rejected, kind in partial:
            rejection = Rejection.objects.get(pharmacy=pharmacy, claim__invoice_number=rejected,
                                              claim__payer_kind=kind)
            assert rejection.status == RejectionStatus.PARTLY_RECOVERED
            assert rejection.recovered_amount == paid[(rejected, kind)] > 0
            assert rejection.remainder > 0
