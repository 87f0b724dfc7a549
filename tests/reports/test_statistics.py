"""month_statistics against figures computed in Python from the dataset's own specs."""

import datetime as dt
from collections import Counter
from decimal import Decimal
from statistics import quantiles

import pytest

from reports.statistics import month_statistics
from tests.factories import PharmacyFactory
from tests.reports.dataset import build_month

OCTOBER = dt.date(2026, 10, 1)
OPERATORS = {"OP-A": (120, 0.03), "OP-B": (90, 0.25), "OP-C": (60, 0.04)}


@pytest.fixture
def dataset(db):
    other = PharmacyFactory()
    build_month(pharmacy=other, month=OCTOBER, operators={"X": (30, 0.5)}, error_prone="X", seed=1)
    return build_month(pharmacy=PharmacyFactory(), month=OCTOBER, operators=OPERATORS, error_prone="OP-B")


def in_october(day):
    return day is not None and day.year == 2026 and day.month == 10


def test_totals_and_rates_match_the_generated_claims(dataset):
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)
    month = [c for c in dataset.claims if in_october(c.transmitted)]
    rejected = [c for c in month if c.reasons]

    assert stats.claims == len(month) == 270
    assert stats.claims_amount == sum(c.amount for c in month)
    assert stats.rejected_claims == len(rejected)
    assert stats.rejections == sum(len(c.reasons) for c in month)
    assert stats.rejections_amount == sum(c.amount for c in rejected)
    assert stats.rejection_rate == pytest.approx(len(rejected) / len(month))
    assert 0 < stats.rejection_rate < 0.2


def test_reasons_and_categories_are_counted_per_rejection(dataset):
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)
    expected = Counter(key for c in dataset.claims if in_october(c.transmitted) for key in c.reasons)

    assert {(r.payer_kind, r.code): r.count for r in stats.reasons} == dict(expected)
    assert [r.count for r in stats.reasons] == sorted(expected.values(), reverse=True)
    by_category = Counter()
    for key, count in expected.items():
        by_category[dataset.reasons[key].category] += count
    assert {c.category: c.count for c in stats.categories} == dict(by_category)


def test_operator_breakdown_names_the_error_prone_operator(dataset):
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)
    operators = {o.operator_code: o for o in stats.operators}

    for code, (count, _) in OPERATORS.items():
        mine = [c for c in dataset.claims if in_october(c.transmitted) and c.operator == code]
        assert operators[code].claims == count == len(mine)
        assert operators[code].rejected == sum(1 for c in mine if c.reasons)
        avoidable = sum(1 for c in mine if any(dataset.reasons[k].avoidable_at_counter for k in c.reasons))
        assert operators[code].avoidable == avoidable
        assert sum(r.count for r in operators[code].reasons) == sum(len(c.reasons) for c in mine)
    assert stats.operator_needing_help.operator_code == dataset.error_prone_operator == "OP-B"
    assert stats.operator_needing_help.name == "Prénom1 Opérateur1"


def test_payer_delays_are_median_and_90th_percentile_of_the_month_payments(dataset):
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)
    for payer in stats.payers:
        paid = sorted(
            (c.paid - c.transmitted).days
            for c in dataset.claims
            if in_october(c.paid) and c.organism_code == payer_code(dataset, payer)
        )
        assert payer.paid == len(paid)
        # percentile_cont is linear interpolation: quantiles(method="inclusive")
        deciles = quantiles(paid, n=10, method="inclusive")
        assert payer.median_delay == pytest.approx(quantiles(paid, n=2, method="inclusive")[0])
        assert payer.p90_delay == pytest.approx(deciles[8])


def payer_code(dataset, payer):
    from claims.models import Organism

    return Organism.objects.get(pk=payer.organism_id).code


def test_unpaid_buckets_recovered_and_work_done(dataset):
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)
    month_end = dt.date(2026, 10, 31)
    open_claims = [c for c in dataset.claims if c.status in ("transmitted", "rejected")]
    ages = Counter()
    amounts = Counter()
    for c in open_claims:
        age = (month_end - c.transmitted).days
        bucket = 0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3
        ages[bucket] += 1
        amounts[bucket] += c.amount
    assert [b.count for b in stats.unpaid] == [ages[i] for i in range(4)]
    assert [b.amount for b in stats.unpaid] == [amounts[i] or Decimal("0.00") for i in range(4)]

    closed = [c for c in dataset.claims if in_october(c.closed_on)]
    assert stats.recovered_amount == sum((c.recovered for c in closed), Decimal("0.00"))
    assert stats.closed_by_pharmacy + stats.closed_by_backoffice == len(closed)
    assert stats.closed_by_backoffice == sum(1 for c in closed if c.handled_by == "backoffice")


def test_trend_covers_twelve_months_ending_with_the_report_month(dataset):
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)
    assert [t.month for t in stats.trend][-1] == OCTOBER
    assert len(stats.trend) == 12
    september = [c for c in dataset.claims if c.transmitted.month == 9]
    assert stats.trend[-2].claims == len(september)
    assert stats.trend[-2].rejected == sum(1 for c in september if c.reasons)


def test_the_backoffice_minutes_are_the_months_time_entries_of_this_pharmacy(manager_a, pharmacy_a,
                                                                              pharmacy_b):
    """Read through the reader backoffice registers (reports sits below backoffice)."""
    from backoffice.models import TimeEntry

    for pharmacy, day, minutes in [
        (pharmacy_a, dt.date(2026, 10, 1), 30), (pharmacy_a, dt.date(2026, 10, 31), 45),
        (pharmacy_a, dt.date(2026, 9, 30), 600), (pharmacy_a, dt.date(2026, 11, 1), 600),
        (pharmacy_b, dt.date(2026, 10, 15), 600),
    ]:
        TimeEntry.objects.create(pharmacy=pharmacy, manager=manager_a, day=day, minutes=minutes)

    stats = month_statistics(pharmacy=pharmacy_a, month=OCTOBER)

    assert stats.backoffice_minutes == 75 and stats.backoffice_hours == 1.25
