"""The bank sort on generated data: "virements non rapprochés" are the insurers' transfers
left unmatched, exactly, and nothing else (issue 16, item 1).

Four pharmacies (seed 35, used by no other test: CFONB, CAMT and two OFX statements,
OFX being the poorest format: no codes but CREDIT/DEBIT, labels cut at 32 characters),
three months at a tenth of the usual size. The last month's returns have not arrived
yet (as on the day a statement comes before the payers' returns): its transfers have
no slip to match, so only their own text can say they are the insurers'. Every other
month goes through the whole import pipeline; then one night. The truth is the
generator's `bank` list (every line of every statement and its kind).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from backoffice.selectors import annotate_figures
from payments.models import BankLine, Reconciliation
from payments.selectors import unmatched_insurer_transfers, unmatched_insurer_transfers_total
from pharmacies.models import Pharmacy
from reports.dashboard import pharmacy_dashboard
from synthetic.run import generate
from tests.factories import PharmacyFactory
from tests.generated import generated_months, import_or_fail
from tiers_payant.night import nightly_run

SEED, PHARMACIES, MONTHS = 35, 4, 3
START = "2025-03"
NIGHT = dt.date(2025, 6, 7)
# The poorest format a pharmacy's bank writes, when it writes several.
PREFERRED = ("releve.ofx", "releve.camt.xml", "releve.cfonb")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bank_sorting")
    generate(seed=SEED, pharmacies=PHARMACIES, months=MONTHS, out=str(out), scale=0.1,
             start=START)
    return out


@pytest.fixture
def night(generated, db):
    truth: dict[tuple[int, str], tuple[str, Decimal]] = {}
    slips_paid: dict[tuple[int, str], set[str]] = {}  # the truth's slips of each transfer
    last_month_transfers: set[tuple[int, str]] = set()
    formats = set()
    pharmacies = []
    for entry in json.loads((generated / "pharmacies.json").read_text()):
        pharmacy = PharmacyFactory(finess=entry["finess"], name=entry["name"])
        pharmacies.append(pharmacy)
        months = generated_months(generated, entry["finess"])
        for month in months:
            last = month == months[-1]
            import_or_fail(pharmacy, month / "factures.csv")
            if not last:
                import_or_fail(pharmacy, month / "retours.csv")
            statement = next(month / name for name in PREFERRED if (month / name).exists())
            formats.add(statement.name)
            import_or_fail(pharmacy, statement)
            month_truth = json.loads((month / "truth.json").read_text())
            for bank_ref, kind, amount in month_truth["bank"]:
                truth[pharmacy.pk, bank_ref] = (kind, Decimal(amount))
                if last and kind == "insurer":
                    last_month_transfers.add((pharmacy.pk, bank_ref))
            for transfer in month_truth["transfers"]:
                slips_paid[pharmacy.pk, transfer["bank_ref"]] = set(transfer["bordereaux"])
    assert formats == set(PREFERRED)
    for pharmacy in pharmacies:
        assert nightly_run(pharmacy_id=pharmacy.pk, day=NIGHT) == "done"
    return {"truth": truth, "slips_paid": slips_paid, "last_month_transfers": last_month_transfers,
            "pharmacies": pharmacies}


def _lines() -> dict[tuple[int, str], BankLine]:
    return {(line.pharmacy_id, line.bank_reference): line for line in BankLine.objects.all()}


def test_unmatched_transfers_are_the_insurers_transfers_left_unmatched_exactly(night, capsys):
    truth, lines = night["truth"], _lines()
    assert set(lines) == set(truth)  # every generated line was imported, once
    kinds = Counter(kind for kind, _ in truth.values())
    assert all(kinds[k] for k in ("insurer", "card", "debit", "fee", "other_debit")), kinds

    # What the truth says is left: the insurers' transfers no slip settled (all of the
    # last month's, whose returns have not come, and any the matching left).
    left = {key for key, (kind, _) in truth.items()
            if kind == "insurer" and lines[key].status != BankLine.Status.MATCHED}
    assert night["last_month_transfers"] <= left and night["last_month_transfers"]
    # Automatic links settle a transfer in full: what is left of each is its amount.
    assert not BankLine.objects.filter(status=BankLine.Status.PARTIAL).exists()
    # And the lines counted as settled are settled by the truth's own slips (no false
    # match hides a transfer from the figure): "left" is the truth's, not the database's.
    linked: dict[tuple[int, str], set[str]] = {}
    for pharmacy_id, bank_ref, slip in Reconciliation.objects.values_list(
        "bank_line__pharmacy_id", "bank_line__bank_reference", "slip__reference"
    ):
        linked.setdefault((pharmacy_id, bank_ref), set()).add(slip)
    matched = {key for key, (kind, _) in truth.items() if kind == "insurer"} - left
    assert matched and all(linked.get(key) == night["slips_paid"][key] for key in matched)

    for pharmacy in night["pharmacies"]:
        expected = {key for key in left if key[0] == pharmacy.pk}
        counted = set(unmatched_insurer_transfers(pharmacy=pharmacy)
                      .values_list("pharmacy_id", "bank_reference"))
        assert counted == expected
        total = unmatched_insurer_transfers_total(pharmacy=pharmacy)
        assert total["count"] == len(expected)
        assert total["amount"] == sum((truth[key][1] for key in expected), Decimal(0))
        # No card remittance, debit, fee or salary among them.
        assert {truth[key][0] for key in counted} <= {"insurer"}
        # The same figure on the dashboard and the manager's portfolio.
        card = pharmacy_dashboard(pharmacy=pharmacy, today=NIGHT)["bank_unmatched"]
        assert (card.count, card.amount) == (total["count"], total["amount"])
        row = annotate_figures(Pharmacy.objects.filter(pk=pharmacy.pk), today=NIGHT).get()
        assert row.unmatched_bank_lines == total["count"]

    # Precision and recall of the sort over every line (one test: the import is the cost).
    pairs = [(kind, lines[key].kind) for key, (kind, _) in truth.items()]
    left_amount = sum((truth[key][1] for key in left), Decimal(0))
    report = [f"virements non rapprochés: {len(left)} lines, {left_amount} EUR "
              f"(of {kinds['insurer']} insurer transfers, {len(truth)} lines)"]
    for kind in sorted({k for k, _ in pairs}):
        found = sum(1 for t, s in pairs if s == kind)
        right = sum(1 for t, s in pairs if s == kind and t == kind)
        actual = sum(1 for t, _ in pairs if t == kind)
        report.append(f"{kind}: {actual} lines, precision {right}/{found}, recall {right}/{actual}")
    with capsys.disabled():
        print("\nbank sort vs truth (seed 35, 4 pharmacies, 3 months):\n  " + "\n  ".join(report))
    # The insurers' transfers, the figure every page shows: none missed, none invented.
    insurer = [(t, s) for t, s in pairs if "insurer" in (t, s)]
    assert insurer and all(t == s for t, s in insurer)
    # Every line whose truth is known is sorted to it.
    assert [p for p in pairs if p[0] != p[1]] == []
