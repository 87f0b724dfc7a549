"""The night on generated data: the generator's truth is what matching must find.

Generated with the `synthetic` package (small size), imported through the
import pipeline (`claims.imports.services`), then one nightly run.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from claims.models import Claim, ReturnLine
from payments.models import BankLine, PaymentSlip, Reconciliation
from rejections.models import OPEN_REJECTION_STATUSES, Rejection, RejectionStatus
from synthetic.run import generate
from tests.factories import PharmacyFactory
from tests.generated import generated_months, import_generated_month
from tests.matching.snapshot import database_snapshot
from tiers_payant.night import nightly_run


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(seed=11, pharmacies=2, months=4, out=str(out), scale=0.1)
    return out


@pytest.fixture
def night(generated, db):
    """Every generated pharmacy imported month by month, then one night after the period."""
    truths, pharmacies = {}, {}
    for entry in json.loads((generated / "pharmacies.json").read_text()):
        pharmacy = PharmacyFactory(finess=entry["finess"], name=entry["name"])
        pharmacies[entry["finess"]] = pharmacy
        for month in generated_months(generated, entry["finess"]):
            import_generated_month(pharmacy, month)
            truths.setdefault(entry["finess"], []).append(
                json.loads((month / "truth.json").read_text()))
    last_month = max(t["month"] for ts in truths.values() for t in ts)
    year, month = map(int, last_month.split("-"))
    period_end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    day = period_end + dt.timedelta(days=7)
    for pharmacy in pharmacies.values():
        assert nightly_run(pharmacy_id=pharmacy.pk, day=day) == "done"
    return {"truths": truths, "pharmacies": pharmacies, "day": day}


def _all(night, key):
    for finess, months in night["truths"].items():
        for truth in months:
            for row in truth[key]:
                yield night["pharmacies"][finess], row


def test_every_payment_is_matched_to_its_claim_and_its_bank_line(night):
    transfers = list(_all(night, "transfers"))
    assert transfers
    for pharmacy, transfer in transfers:
        line = BankLine.objects.get(pharmacy=pharmacy, bank_reference=transfer["bank_ref"])
        linked = set(Reconciliation.objects.filter(bank_line=line)
                     .values_list("slip__reference", flat=True))
        assert linked == set(transfer["bordereaux"]), transfer
        assert line.status == BankLine.Status.MATCHED
    assert not PaymentSlip.objects.exclude(status=PaymentSlip.Status.MATCHED).exists()
    paying = ReturnLine.objects.filter(status__in=["PAYE", "PARTIEL"])
    assert paying.exists() and not paying.filter(claim__isnull=True).exists()
    recovered = {(ph.pk, f, k) for ph, (f, k, *_rest) in _all(night, "indus")}
    unsettled = set(paying.exclude(claim__status__in=["paid", "partial", "reinvoiced"])
                    .values_list("pharmacy_id", "invoice_number", "payer_kind"))
    assert unsettled <= recovered  # only a recovery (indu) takes a paid claim back
    for pharmacy, (facture, kind, _code, _claimed, paid) in _all(night, "partial"):
        claim = Claim.objects.get(pharmacy=pharmacy, invoice_number=facture, payer_kind=kind)
        assert (claim.status, claim.amount_paid) == ("partial", Decimal(paid))


def test_every_rejection_is_open_with_the_right_reason(night):
    reinvoiced = {(ph.pk, old, kind): new for ph, (old, new, kind, _) in
                  _all(night, "reinvoiced")}
    rejected = list(_all(night, "rejected"))
    assert rejected
    for pharmacy, (facture, kind, _organism, reason_code, _operator) in rejected:
        rejection = Rejection.objects.select_related("reason").get(
            pharmacy=pharmacy, claim__invoice_number=facture, claim__payer_kind=kind)
        assert rejection.reason.code == reason_code
        new = reinvoiced.get((pharmacy.pk, facture, kind))
        new_claim = new and Claim.objects.get(pharmacy=pharmacy, invoice_number=new,
                                              payer_kind=kind)
        if new_claim and new_claim.status == "paid":
            assert new_claim.reinvoice_of.invoice_number == facture
            assert rejection.status == RejectionStatus.CLOSED
            assert rejection.recovered_amount == new_claim.amount_paid
        else:
            assert rejection.status in OPEN_REJECTION_STATUSES


def test_every_silent_unpaid_claim_is_flagged(night):
    silent = {(ph.pk, f, k) for ph, (f, k, _) in _all(night, "silent_unpaid")}
    pending = {(ph.pk, f, k) for ph, (f, k, _) in _all(night, "pending_at_end")}
    assert silent
    flagged = set(Claim.objects.filter(status="unpaid", unpaid_since__isnull=False,
                                       last_return_date__isnull=True)
                  .values_list("pharmacy_id", "invoice_number", "payer_kind"))
    assert silent <= flagged
    assert flagged <= silent | pending


def test_a_second_night_changes_nothing(night):
    before = database_snapshot()
    for pharmacy in night["pharmacies"].values():
        nightly_run(pharmacy_id=pharmacy.pk, day=night["day"], force=True)
    assert database_snapshot() == before
