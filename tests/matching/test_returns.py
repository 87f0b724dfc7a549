"""Returns → claims: paid, partial, rejected (with its reason), recoveries, re-invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from claims import returns as returns_module
from claims.models import ClaimStatus, ReturnStatus
from rejections.models import Rejection, RejectionEvent, RejectionReason, RejectionStatus
from tests.factories import ClaimFactory, ReasonFactory, ReturnLineFactory
from tiers_payant.night import night_returns


def _unlinked_return(claim, **fields):
    """A return as the import leaves it: not yet linked to its claim."""
    return ReturnLineFactory(claim=None, pharmacy=claim.pharmacy,
                             invoice_number=claim.invoice_number, payer_kind=claim.payer_kind,
                             organism=claim.organism, **fields)


def test_a_full_payment_marks_the_claim_paid(pharmacy_a):
    claim = ClaimFactory(pharmacy=pharmacy_a, amount_claimed=Decimal("40.00"))
    line = _unlinked_return(claim, status=ReturnStatus.PAID, amount_paid=Decimal("40.00"),
                            payment_date=dt.date(2026, 10, 9))

    result = night_returns(pharmacy_id=pharmacy_a.id)

    claim.refresh_from_db()
    line.refresh_from_db()
    assert (claim.status, claim.amount_paid, claim.paid_date) == (
        ClaimStatus.PAID, Decimal("40.00"), dt.date(2026, 10, 9))
    assert line.claim_id == claim.id
    assert result.lines_applied == 1


def test_a_partial_payment_leaves_the_remainder_open(pharmacy_a):
    claim = ClaimFactory(pharmacy=pharmacy_a, amount_claimed=Decimal("40.00"))
    _unlinked_return(claim, status=ReturnStatus.PARTIAL, amount_paid=Decimal("25.00"))

    night_returns(pharmacy_id=pharmacy_a.id)

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PARTIAL
    assert claim.amount_outstanding == Decimal("15.00")


def test_the_match_needs_the_same_payer_kind_and_organism(pharmacy_a, pharmacy_b):
    claim = ClaimFactory(pharmacy=pharmacy_a, payer_kind="AMO")
    ReturnLineFactory(claim=None, pharmacy=pharmacy_a, invoice_number=claim.invoice_number,
                      payer_kind="AMC", organism=claim.organism, amount_paid=Decimal("32.50"))
    ReturnLineFactory(claim=None, pharmacy=pharmacy_b, invoice_number=claim.invoice_number,
                      payer_kind="AMO", organism=claim.organism, amount_paid=Decimal("32.50"))

    night_returns(pharmacy_id=pharmacy_a.id)
    night_returns(pharmacy_id=pharmacy_b.id)

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.TRANSMITTED


def test_a_rejection_opens_with_the_catalogue_reason(pharmacy_a):
    reason = ReasonFactory(code="0450 072")
    claim = ClaimFactory(pharmacy=pharmacy_a)
    _unlinked_return(claim, status=ReturnStatus.REJECTED, amount_paid=None,
                     reject_code="0450 072", reject_label="DROITS FERMES")

    night_returns(pharmacy_id=pharmacy_a.id)

    claim.refresh_from_db()
    rejection = Rejection.objects.get(claim=claim)
    assert claim.status == ClaimStatus.REJECTED
    assert rejection.reason == reason and rejection.status == RejectionStatus.TO_HANDLE
    assert rejection.amount == claim.amount_claimed
    assert list(rejection.events.values_list("kind", flat=True)) == [RejectionEvent.Kind.OPENED]


def test_an_unknown_code_is_added_to_classify_never_dropped(pharmacy_a):
    claim = ClaimFactory(pharmacy=pharmacy_a)
    _unlinked_return(claim, status=ReturnStatus.REJECTED, amount_paid=None,
                     reject_code="9999 999", reject_label="MOTIF NOUVEAU")

    night_returns(pharmacy_id=pharmacy_a.id)

    reason = RejectionReason.objects.get(code="9999 999", payer_kind="AMO")
    assert reason.to_classify and reason.category == "to_classify"
    assert reason.label == "MOTIF NOUVEAU"
    assert Rejection.objects.get(claim=claim).reason == reason


def test_a_recovery_reduces_then_reopens(pharmacy_a):
    claim = ClaimFactory(pharmacy=pharmacy_a, amount_claimed=Decimal("40.00"))
    _unlinked_return(claim, status=ReturnStatus.PAID, amount_paid=Decimal("40.00"),
                     return_date=dt.date(2026, 10, 9))
    night_returns(pharmacy_id=pharmacy_a.id)
    _unlinked_return(claim, status=ReturnStatus.RECOVERY, amount_paid=Decimal("-10.00"),
                     return_date=dt.date(2026, 11, 2))

    night_returns(pharmacy_id=pharmacy_a.id)
    claim.refresh_from_db()
    # Part of the payment taken back: owed again, and the claim says why (not "partial").
    assert (claim.status, claim.amount_paid) == (ClaimStatus.TAKEN_BACK, Decimal("30.00"))

    _unlinked_return(claim, status=ReturnStatus.RECOVERY, amount_paid=Decimal("-30.00"),
                     return_date=dt.date(2026, 11, 9))
    night_returns(pharmacy_id=pharmacy_a.id)
    claim.refresh_from_db()
    assert (claim.status, claim.amount_paid) == (ClaimStatus.TAKEN_BACK, Decimal("0.00"))
    assert claim.get_status_display() == "Paiement repris (indu)"
    assert claim.unpaid_since == dt.date(2026, 11, 9)


def test_a_return_before_its_claim_is_kept_and_matched_later(pharmacy_a):
    claim = ClaimFactory.build(pharmacy=pharmacy_a, invoice_number="123456789")
    claim.organism.save()
    line = ReturnLineFactory(claim=None, pharmacy=pharmacy_a, invoice_number="123456789",
                             payer_kind="AMO", organism=claim.organism,
                             amount_paid=Decimal("32.50"))
    night_returns(pharmacy_id=pharmacy_a.id)
    line.refresh_from_db()
    assert line.claim_id is None

    claim.save()
    night_returns(pharmacy_id=pharmacy_a.id)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID


def test_replaying_changes_nothing(pharmacy_a):
    ReasonFactory(code="0450 072")
    claim = ClaimFactory(pharmacy=pharmacy_a)
    _unlinked_return(claim, status=ReturnStatus.REJECTED, amount_paid=None, reject_code="0450 072")
    night_returns(pharmacy_id=pharmacy_a.id)

    again = night_returns(pharmacy_id=pharmacy_a.id)

    assert again.lines_applied == 0 and again.rejections_opened == 0
    assert Rejection.objects.count() == 1 and RejectionEvent.objects.count() == 1


def test_a_paid_reinvoice_closes_the_rejection_as_recovered(pharmacy_a):
    ReasonFactory(code="0450 072")
    old = ClaimFactory(pharmacy=pharmacy_a, invoice_number="100000001",
                       amount_claimed=Decimal("50.00"))
    _unlinked_return(old, status=ReturnStatus.REJECTED, amount_paid=None, reject_code="0450 072",
                     return_date=dt.date(2026, 10, 12))
    night_returns(pharmacy_id=pharmacy_a.id)
    new = ClaimFactory(pharmacy=pharmacy_a, invoice_number="100000777", organism=old.organism,
                       nir=old.nir, care_date=old.care_date, amount_claimed=Decimal("50.00"),
                       transmission_date=dt.date(2026, 10, 15))
    # A look-alike for another patient must not be linked.
    ClaimFactory(pharmacy=pharmacy_a, organism=old.organism, nir="1850769123456",
                 care_date=old.care_date, amount_claimed=Decimal("50.00"),
                 transmission_date=dt.date(2026, 10, 15))
    night_returns(pharmacy_id=pharmacy_a.id)
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.reinvoice_of == old and old.status == ClaimStatus.REINVOICED
    assert Rejection.objects.get(claim=old).new_invoice_number == "100000777"

    _unlinked_return(new, status=ReturnStatus.PAID, amount_paid=Decimal("50.00"),
                     payment_date=dt.date(2026, 10, 20), return_date=dt.date(2026, 10, 20))
    night_returns(pharmacy_id=pharmacy_a.id)

    rejection = Rejection.objects.get(claim=old)
    assert rejection.status == RejectionStatus.CLOSED
    assert rejection.recovered_amount == Decimal("50.00")
    assert rejection.closed_on == dt.date(2026, 10, 20)
    assert rejection.events.filter(kind="status", to_status="closed").count() == 1


def test_two_lookalike_reinvoices_are_not_linked(pharmacy_a):
    ReasonFactory(code="0450 072")
    old = ClaimFactory(pharmacy=pharmacy_a, amount_claimed=Decimal("50.00"))
    _unlinked_return(old, status=ReturnStatus.REJECTED, amount_paid=None, reject_code="0450 072")
    for _ in range(2):
        ClaimFactory(pharmacy=pharmacy_a, organism=old.organism, nir=old.nir,
                     care_date=old.care_date, amount_claimed=Decimal("50.00"),
                     transmission_date=dt.date(2026, 10, 20))

    night_returns(pharmacy_id=pharmacy_a.id)

    old.refresh_from_db()
    assert old.status == ClaimStatus.REJECTED and not old.reinvoiced_as.exists()


def test_waiting_lines_are_applied_in_chunks_of_lines_not_of_ids(pharmacy_a, pharmacy_b,
                                                                 monkeypatch):
    claims = [ClaimFactory(pharmacy=pharmacy_a, amount_claimed=Decimal("10.00")) for _ in range(5)]
    for claim in claims:
        _unlinked_return(claim, amount_paid=Decimal("10.00"))
        # other pharmacies' lines in between: pharmacy A's ids are scattered
        for _ in range(3):
            _unlinked_return(ClaimFactory(pharmacy=pharmacy_b), amount_paid=Decimal("1.00"))
    chunks = []
    apply_chunk = returns_module._apply_chunk
    monkeypatch.setattr(returns_module, "_apply_chunk",
                        lambda **kwargs: chunks.append(kwargs["params"]) or apply_chunk(**kwargs))

    result = night_returns(pharmacy_id=pharmacy_a.id, batch_size=2)

    assert len(chunks) == 3  # 2 + 2 + 1 lines, over ids spanning 17
    assert result.lines_applied == 5 and result.claims_updated == 5
    for claim in claims:
        claim.refresh_from_db()
    assert {claim.status for claim in claims} == {ClaimStatus.PAID}
