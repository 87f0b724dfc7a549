"""Over a generated year, the rates are the domain's and the truth matches the files."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from claims.reference import AMC_PAYERS
from rejections.catalogue import REASONS
from synthetic.calendar import BankCalendar
from synthetic.generator import outages_for
from synthetic.run import month_list
from tests.synthetic.conftest import YEAR, pharmacies, read_csv, truths


def _totals(year_dir, *, skip_last: int = 0) -> Counter:
    total: Counter = Counter()
    for p in pharmacies(year_dir):
        months = truths(year_dir, p["finess"])
        for truth in months[: len(months) - skip_last]:
            total.update(truth["counts"])
    return total


def _returns(year_dir, p) -> list[dict]:
    return [row for month in sorted((year_dir / p["finess"]).iterdir())
            for row in read_csv(month / "retours.csv", p["encoding"])]


def _factures(year_dir, p) -> list[dict]:
    return [row for month in sorted((year_dir / p["finess"]).iterdir())
            for row in read_csv(month / "factures.csv", p["encoding"])]


def test_rates_are_within_the_domain_ranges(year_dir):
    t = _totals(year_dir)
    new_claims = t["claims"] - t["reinvoiced"]
    assert 1.35 <= new_claims / t["dispensations"] <= 1.45
    assert 0.055 <= t["amo_only"] / t["dispensations"] <= 0.085
    assert 0.020 <= t["rejected"] / t["claims"] <= 0.030
    # Silence is only certain once the payer's delay + 30 days has passed: the last
    # two months are still pending at the end of the period.
    settled = _totals(year_dir, skip_last=2)
    assert 0.022 <= settled["silent_unpaid"] / settled["claims"] <= 0.034
    assert 0 < t["partial"] / t["claims"] < 0.03
    assert t["indu"] > 0 and t["reinvoiced"] > 0 and t["pending_at_end"] > 0


def test_average_basket_is_about_48_euros_with_a_long_tail(year_dir):
    for p in pharmacies(year_dir):
        months = truths(year_dir, p["finess"])
        baskets = sum(Decimal(m["amounts"]["baskets"]) for m in months)
        dispensations = sum(m["counts"]["dispensations"] for m in months)
        assert 40 <= baskets / dispensations <= 56
        amounts = [Decimal(r["montant"].replace(",", ".")) for r in _factures(year_dir, p)]
        assert max(amounts) > 20 * sorted(amounts)[len(amounts) // 2]


def test_typical_volume_per_month(year_dir):
    for p in pharmacies(year_dir):
        for truth in truths(year_dir, p["finess"]):
            expected = 2100 * 0.3 * p["size_factor"]
            assert 0.7 * expected <= truth["counts"]["dispensations"] <= 1.4 * expected


def test_january_and_month_end_peaks(year_dir):
    p = pharmacies(year_dir)[0]
    by_month = {t["month"]: t["counts"]["dispensations"] for t in truths(year_dir, p["finess"])}
    ordinary = sorted(v for k, v in by_month.items() if k[5:] not in ("01", "08", "12"))
    assert by_month["2025-01"] > 1.05 * ordinary[len(ordinary) // 2]
    reinvoices = {r[1] for t in truths(year_dir, p["finess"]) for r in t["reinvoiced"]}
    per_day: Counter = Counter()
    for row in _factures(year_dir, p):
        if row["facture"] not in reinvoices and row["payeur"] == "AMO":
            per_day[date(*map(int, reversed(row["date_soins"].split("/"))))] += 1
    month_end, other = [], []
    for day, n in per_day.items():
        if day.weekday() < 5:
            last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - day).days <= 3
            (month_end if last else other).append(n)
    assert sum(month_end) / len(month_end) > 1.15 * sum(other) / len(other)


def test_a_few_caisses_dominate_and_amc_payers_have_a_long_tail(year_dir):
    for p in pharmacies(year_dir):
        rows = _factures(year_dir, p)
        amo = Counter(r["organisme"] for r in rows if r["payeur"] == "AMO")
        amc = Counter(r["organisme"] for r in rows if r["payeur"] == "AMC")
        assert amo.most_common(1)[0][1] > 0.6 * sum(amo.values())
        assert len(amc) >= 24
        top5 = sum(n for _, n in amc.most_common(5))
        assert 0.35 < top5 / sum(amc.values()) < 0.85


def test_the_error_prone_operator_has_clearly_the_highest_rejection_rate(year_dir):
    for p in pharmacies(year_dir):
        volume = Counter(r["operateur"] for r in _factures(year_dir, p))
        rejected = Counter(r[4] for t in truths(year_dir, p["finess"]) for r in t["rejected"])
        rates = sorted(((rejected[op] / n, op) for op, n in volume.items() if n > 300),
                       reverse=True)
        assert rates[0][1] == p["error_prone_operator"]
        assert rates[0][0] > 1.5 * rates[1][0]


def test_rejections_follow_the_catalogue_order_of_frequency(year_dir):
    codes = Counter()
    category = {(r.payer_kind, r.code): r.category for r in REASONS}
    for p in pharmacies(year_dir):
        for t in truths(year_dir, p["finess"]):
            codes.update(category[(r[1], r[3])] for r in t["rejected"])
    ranked = [c for c, _ in codes.most_common()]
    assert set(ranked[:2]) == {"amo_rights", "amc_rights"} or ranked[0] == "amo_rights"
    assert codes["amo_rights"] + codes["amc_rights"] + codes["patient_identification"] > (
        codes["prescriber"] + codes["pricing"] + codes["duplicate"] + codes["technical"])


def test_truth_matches_the_returns_files(year_dir):
    for p in pharmacies(year_dir):
        returns = _returns(year_dir, p)
        rejected = {(r["facture"], r["payeur"], r["organisme"], r["code_rejet"])
                    for r in returns if r["statut"] == "REJETE"}
        partial = {(r["facture"], r["payeur"], r["organisme"], r["montant_paye"].replace(",", "."))
                   for r in returns if r["statut"] == "PARTIEL"}
        answered = {(r["facture"], r["payeur"]) for r in returns if r["statut"] != "INDU"}
        months = truths(year_dir, p["finess"])
        truth_rejected = {(r[0], r[1], r[2], r[3]) for t in months for r in t["rejected"]}
        assert truth_rejected == rejected
        assert {(r[0], r[1], r[2], r[4]) for t in months for r in t["partial"]} == partial
        for t in months:
            for facture, payer, _ in t["silent_unpaid"] + t["pending_at_end"]:
                assert (facture, payer) not in answered
        invoiced = {(r["facture"], r["payeur"]) for r in _factures(year_dir, p)}
        assert answered <= invoiced


def test_bordereaux_add_up_to_their_transfer_and_are_paid_once(year_dir):
    for p in pharmacies(year_dir):
        slip_total: dict[str, Decimal] = defaultdict(Decimal)
        slip_payer: dict[str, set] = defaultdict(set)
        for r in _returns(year_dir, p):
            if r["bordereau"]:
                slip_total[r["bordereau"]] += Decimal(r["montant_paye"].replace(",", "."))
                slip_payer[r["bordereau"]].add(r["organisme"])
        assert all(len(payers) == 1 for payers in slip_payer.values())
        paid_by = Counter()
        per_payer_day = Counter()
        for t in truths(year_dir, p["finess"]):
            for transfer in t["transfers"]:
                assert sum(slip_total[ref] for ref in transfer["bordereaux"]) == Decimal(
                    transfer["amount"])
                assert Decimal(transfer["amount"]) > 0
                paid_by.update(transfer["bordereaux"])
                per_payer_day[(transfer["payer_code"], transfer["date"])] += 1
        assert set(paid_by) == set(slip_total) and set(paid_by.values()) == {1}
        assert set(per_payer_day.values()) == {1}
        grouped = sum(1 for t in truths(year_dir, p["finess"]) for x in t["transfers"]
                      if len(x["bordereaux"]) > 1)
        assert grouped > 0  # one transfer sometimes pays several bordereaux


def test_indus_are_netted_on_a_later_payment(year_dir):
    for p in pharmacies(year_dir):
        returns = _returns(year_dir, p)
        paid_on = {(r["facture"], r["payeur"]): r["date_paiement"] for r in returns
                   if r["statut"] in ("PAYE", "PARTIEL")}
        indus = [r for r in returns if r["statut"] == "INDU"]
        assert indus
        for r in indus:
            assert r["montant_paye"].startswith("-") and r["bordereau"]
            original = paid_on[(r["facture"], r["payeur"])]
            as_date = lambda s: date(*map(int, reversed(s.split("/"))))  # noqa: E731
            assert as_date(r["date_paiement"]) > as_date(original)


def test_reinvoices_take_a_new_number_and_are_paid(year_dir):
    for p in pharmacies(year_dir):
        months = truths(year_dir, p["finess"])
        rejected = {(r[0], r[1]) for t in months for r in t["rejected"]}
        paid = {(r["facture"], r["payeur"]) for r in _returns(year_dir, p)
                if r["statut"] in ("PAYE", "PARTIEL")}
        pending = {(r[0], r[1]) for t in months for r in t["pending_at_end"]}
        pairs = [r for t in months for r in t["reinvoiced"]]
        assert pairs
        for old, new, payer, _ in pairs:
            assert old != new and (old, payer) in rejected
            assert (new, payer) in paid or (new, payer) in pending


def test_an_operator_outage_stops_its_payments_then_clears_the_backlog(year_dir):
    months = month_list(months=YEAR["months"], start=None)
    calendar = BankCalendar(date(2024, 9, 1), date(2026, 12, 31))
    outages = outages_for(YEAR["seed"], months, calendar)
    assert len(outages) == len({y for y, _ in months})  # once per calendar year
    for outage in outages:
        routed = {o.code for o in AMC_PAYERS if o.operator == outage.operator}
        paid = Counter()
        for p in pharmacies(year_dir):
            for t in truths(year_dir, p["finess"]):
                for transfer in t["transfers"]:
                    if transfer["payer_code"] in routed:
                        paid[date.fromisoformat(transfer["date"])] += 1
        assert not [d for d in paid if outage.first <= d <= outage.last]
        after = [n for d, n in paid.items() if 0 < (d - outage.last).days <= 4]
        assert after and max(after) > 2 * (sum(paid.values()) / len(paid))
