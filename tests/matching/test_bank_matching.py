"""Bordereaux → bank lines: automatic only when unambiguous, else proposals with evidence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from payments.matching import slips_match
from payments.models import BankLine, ManualDecision, MatchProposal, PaymentSlip, Reconciliation
from tests.factories import (
    BankAccountFactory,
    BankLineFactory,
    OrganismFactory,
    PaymentSlipFactory,
)


def _cpam():
    return OrganismFactory(code="016910001", name="CPAM du Rhône")


def test_one_slip_one_credit_naming_the_payer_is_linked(pharmacy_a):
    slip = PaymentSlipFactory(pharmacy=pharmacy_a, organism=_cpam(), total=Decimal("812.40"),
                              payment_date=dt.date(2026, 10, 8))
    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a),
                           amount=Decimal("812.40"), booking_date=dt.date(2026, 10, 12),
                           label="VIR SEPA RECU /DE CPAM DU RHONE")

    result = slips_match(pharmacy_id=pharmacy_a.id)

    link = Reconciliation.objects.get()
    assert (link.slip, link.bank_line, link.amount, link.source) == (
        slip, line, Decimal("812.40"), "auto")
    slip.refresh_from_db()
    line.refresh_from_db()
    assert slip.status == PaymentSlip.Status.MATCHED and line.status == BankLine.Status.MATCHED
    assert result.auto_linked == 1 and not MatchProposal.objects.exists()


def test_the_reference_in_the_complements_is_evidence(pharmacy_a):
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=_cpam(), reference="RSP2026100800042",
                       total=Decimal("99.10"), payment_date=dt.date(2026, 10, 8))
    BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("99.10"),
                    booking_date=dt.date(2026, 10, 9), label="VIR 12345678901234567890",
                    details={"RCN": "RSP2026100800042"})

    slips_match(pharmacy_id=pharmacy_a.id)

    assert Reconciliation.objects.filter(source="auto").count() == 1


def test_several_slips_of_one_payer_in_one_transfer(pharmacy_a):
    cpam = _cpam()
    slips = [PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal(t),
                                payment_date=dt.date(2026, 10, d))
             for t, d in (("100.00", 7), ("50.25", 8), ("10.00", 8))]
    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a),
                           amount=Decimal("160.25"), booking_date=dt.date(2026, 10, 10),
                           label="VIR SEPA RECU /DE CPAM DU RHONE")

    slips_match(pharmacy_id=pharmacy_a.id)

    assert set(Reconciliation.objects.values_list("slip_id", flat=True)) == {s.id for s in slips}
    line.refresh_from_db()
    assert line.status == BankLine.Status.MATCHED and line.matched_amount == Decimal("160.25")


def test_several_slips_of_one_day_in_one_transfer(pharmacy_a):
    cpam = _cpam()
    slips = [PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal(t),
                                payment_date=dt.date(2026, 10, 8)) for t in ("70.00", "30.50")]
    BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("100.50"),
                    booking_date=dt.date(2026, 10, 9), label="VIR SEPA RECU /DE CPAM DU RHONE")

    slips_match(pharmacy_id=pharmacy_a.id)

    assert set(Reconciliation.objects.values_list("slip_id", flat=True)) == {s.id for s in slips}


def test_slips_further_apart_than_the_span_make_no_group(pharmacy_a):
    cpam = _cpam()
    for total, day in (("100.00", 1), ("60.00", 7)):  # 6 days apart: more than GROUP_SPAN_DAYS
        PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal(total),
                           payment_date=dt.date(2026, 10, day))
    BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("160.00"),
                    booking_date=dt.date(2026, 10, 9), label="VIR SEPA RECU /DE CPAM DU RHONE")

    result = slips_match(pharmacy_id=pharmacy_a.id)

    assert result.candidates == 0 and not Reconciliation.objects.exists()


def test_a_recovery_slip_netted_in_the_transfer_is_settled_with_it(pharmacy_a):
    """A slip of recoveries (indus) totals below zero: the payer deducts it from the
    same transfer. Found by the 200-pharmacy bench: the night failed for the pharmacy."""
    cpam = _cpam()
    paid = PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal("300.00"),
                              payment_date=dt.date(2026, 10, 7))
    recovered = PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal("-43.50"),
                                   payment_date=dt.date(2026, 10, 8))
    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a),
                           amount=Decimal("256.50"), booking_date=dt.date(2026, 10, 10),
                           label="VIR SEPA RECU /DE CPAM DU RHONE")

    slips_match(pharmacy_id=pharmacy_a.id)

    assert dict(Reconciliation.objects.values_list("slip_id", "amount")) == {
        paid.id: Decimal("300.00"), recovered.id: Decimal("-43.50")}
    for row in (paid, recovered, line):
        row.refresh_from_db()
    assert paid.status == recovered.status == PaymentSlip.Status.MATCHED
    assert (line.status, line.matched_amount) == (BankLine.Status.MATCHED, Decimal("256.50"))


def test_two_candidates_go_to_review_with_their_evidence(pharmacy_a):
    cpam = _cpam()
    for day in (7, 9):
        PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, total=Decimal("75.00"),
                           payment_date=dt.date(2026, 10, day))
    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a),
                           amount=Decimal("75.00"), booking_date=dt.date(2026, 10, 10),
                           label="VIR SEPA RECU /DE CPAM DU RHONE")

    slips_match(pharmacy_id=pharmacy_a.id)

    assert not Reconciliation.objects.exists()
    proposals = MatchProposal.objects.filter(bank_line=line).order_by("date_gap_days")
    assert [(p.payer_named, p.date_gap_days, p.candidate_count) for p in proposals] == [
        (True, 1, 2), (True, 3, 2)]


def test_an_anonymous_credit_with_a_single_candidate_is_linked(pharmacy_a):
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=_cpam(), total=Decimal("61.00"),
                       payment_date=dt.date(2026, 10, 8))
    BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("61.00"),
                    booking_date=dt.date(2026, 10, 9), label="VIR 98765432109876543210")

    slips_match(pharmacy_id=pharmacy_a.id)

    assert Reconciliation.objects.get().source == "auto"


def test_the_payer_code_digits_in_a_bare_reference_name_the_payer(pharmacy_a):
    slips = [PaymentSlipFactory(pharmacy=pharmacy_a, organism=org, total=Decimal("61.00"),
                                payment_date=dt.date(2026, 10, 8))
             for org in (_cpam(), OrganismFactory(code="019130002", name="CPAM des Bouches"))]
    BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("61.00"),
                    booking_date=dt.date(2026, 10, 8), label="VIR 016910001261008000000042")

    slips_match(pharmacy_id=pharmacy_a.id)

    assert Reconciliation.objects.get().slip == slips[0]


def test_two_anonymous_credits_for_one_slip_go_to_review(pharmacy_a):
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=_cpam(), total=Decimal("61.00"),
                       payment_date=dt.date(2026, 10, 8))
    account = BankAccountFactory(pharmacy=pharmacy_a)
    for day in (8, 9):
        BankLineFactory(account=account, amount=Decimal("61.00"),
                        booking_date=dt.date(2026, 10, day), label="REMISE CB 12345")

    slips_match(pharmacy_id=pharmacy_a.id)

    assert not Reconciliation.objects.exists()
    assert [(p.payer_named, p.reference_found) for p in MatchProposal.objects.all()] == [
        (False, False), (False, False)]


def test_a_credit_naming_the_payer_wins_over_an_anonymous_one(pharmacy_a):
    slip = PaymentSlipFactory(pharmacy=pharmacy_a, organism=_cpam(), total=Decimal("61.00"),
                              payment_date=dt.date(2026, 10, 8))
    account = BankAccountFactory(pharmacy=pharmacy_a)
    BankLineFactory(account=account, amount=Decimal("61.00"), booking_date=dt.date(2026, 10, 8),
                    label="REMISE CB 12345")
    named = BankLineFactory(account=account, amount=Decimal("61.00"),
                            booking_date=dt.date(2026, 10, 9),
                            label="VIR SEPA RECU /DE CPAM DU RHONE")

    slips_match(pharmacy_id=pharmacy_a.id)

    link = Reconciliation.objects.get()
    assert (link.slip, link.bank_line) == (slip, named)
    assert not MatchProposal.objects.exists()


def test_a_credit_naming_another_payer_is_no_candidate(pharmacy_a):
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=_cpam(), total=Decimal("61.00"),
                       payment_date=dt.date(2026, 10, 8))
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=OrganismFactory(code="919130002", name="MGEN"),
                       total=Decimal("12.00"), payment_date=dt.date(2026, 10, 8))
    BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("61.00"),
                    booking_date=dt.date(2026, 10, 9), label="VIR SEPA RECU /DE MGEN")

    result = slips_match(pharmacy_id=pharmacy_a.id)

    assert result.candidates == 0 and not Reconciliation.objects.exists()


def test_too_far_in_time_is_no_candidate(pharmacy_a):
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=_cpam(), total=Decimal("61.00"),
                       payment_date=dt.date(2026, 9, 1))
    BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("61.00"),
                    booking_date=dt.date(2026, 10, 9), label="VIR SEPA RECU /DE CPAM DU RHONE")

    result = slips_match(pharmacy_id=pharmacy_a.id)

    assert result.candidates == 0


def test_an_unlinked_pair_is_never_linked_again(pharmacy_a):
    slip = PaymentSlipFactory(pharmacy=pharmacy_a, organism=_cpam(), total=Decimal("812.40"),
                              payment_date=dt.date(2026, 10, 8))
    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a),
                           amount=Decimal("812.40"), booking_date=dt.date(2026, 10, 12),
                           label="VIR SEPA RECU /DE CPAM DU RHONE")
    ManualDecision.objects.create(pharmacy=pharmacy_a, slip=slip, bank_line=line, kind="unlinked")

    slips_match(pharmacy_id=pharmacy_a.id)

    assert not Reconciliation.objects.exists() and not MatchProposal.objects.exists()


def test_other_pharmacies_are_not_touched(pharmacy_a, pharmacy_b):
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=_cpam(), total=Decimal("812.40"),
                       payment_date=dt.date(2026, 10, 8))
    BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_b), amount=Decimal("812.40"),
                    booking_date=dt.date(2026, 10, 12), label="VIR SEPA RECU /DE CPAM DU RHONE")

    slips_match(pharmacy_id=pharmacy_a.id)
    slips_match(pharmacy_id=pharmacy_b.id)

    assert not Reconciliation.objects.exists() and not MatchProposal.objects.exists()


def test_a_camt_structured_reference_is_evidence(pharmacy_a, tmp_path):
    """The slip number only in RmtInf/Strd/CdtrRefInf/Ref (issue 19): found, linked."""
    from tests.imports.helpers import run_import, write
    from tests.parsers.test_camt import STRUCTURED, camt

    cpam = _cpam()
    slip = PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, reference="RSP2024010500124",
                              total=Decimal("150.00"), payment_date=dt.date(2024, 1, 5))
    PaymentSlipFactory(pharmacy=pharmacy_a, organism=cpam, reference="RSP2024010500999",
                       total=Decimal("150.00"), payment_date=dt.date(2024, 1, 5))
    # Two slips of the same amount, no payer named: only the reference tells them apart.
    entry = STRUCTURED.format(second="50.00").replace(
        "<RltdPties><Dbtr><Nm>CPAM DU RHONE</Nm></Dbtr></RltdPties>", "")
    run_import(pharmacy_a, write(tmp_path, "strd.xml", camt(entry)))

    slips_match(pharmacy_id=pharmacy_a.id)

    link = Reconciliation.objects.get()
    assert (link.slip, link.source, link.amount) == (slip, "auto", Decimal("150.00"))
