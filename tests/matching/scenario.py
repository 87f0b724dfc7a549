"""A small but complete night for one pharmacy, built with the factories."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from claims.models import ReturnStatus
from tests.factories import (
    BankAccountFactory,
    BankLineFactory,
    ClaimFactory,
    OrganismFactory,
    PaymentSlipFactory,
    ReasonFactory,
    ReturnLineFactory,
)

DAY = dt.date(2026, 12, 15)


def night_scenario(pharmacy, *, tag: int = 0) -> dict:
    """Paid, partial, rejected (known and unknown codes), silent unpaid, two slips, credits."""
    cpam = OrganismFactory(code=f"01691{tag:04d}", name=f"CPAM du Rhône {tag}")
    ReasonFactory(code="0450 072")
    account = BankAccountFactory(pharmacy=pharmacy)
    slip = PaymentSlipFactory(pharmacy=pharmacy, organism=cpam, total=Decimal("72.50"),
                              payment_date=dt.date(2026, 10, 9), line_count=2)
    other = PaymentSlipFactory(pharmacy=pharmacy, organism=cpam, total=Decimal("300.00"),
                               payment_date=dt.date(2026, 10, 10))
    paid = ClaimFactory(pharmacy=pharmacy, organism=cpam, amount_claimed=Decimal("40.00"))
    partial = ClaimFactory(pharmacy=pharmacy, organism=cpam, amount_claimed=Decimal("50.00"))
    rejected = ClaimFactory(pharmacy=pharmacy, organism=cpam)
    unknown = ClaimFactory(pharmacy=pharmacy, organism=cpam)
    silent = ClaimFactory(pharmacy=pharmacy, organism=cpam, transmission_date=dt.date(2026, 9, 1))
    for claim, fields in (
        (paid, {"status": ReturnStatus.PAID, "amount_paid": Decimal("40.00"), "slip": slip}),
        (partial, {"status": ReturnStatus.PARTIAL, "amount_paid": Decimal("32.50"), "slip": slip}),
        (rejected, {"status": ReturnStatus.REJECTED, "amount_paid": None,
                    "reject_code": "0450 072"}),
        (unknown, {"status": ReturnStatus.REJECTED, "amount_paid": None,
                   "reject_code": f"77{tag:02d} 001", "reject_label": "MOTIF INCONNU"}),
    ):
        ReturnLineFactory(claim=None, pharmacy=pharmacy, invoice_number=claim.invoice_number,
                          payer_kind=claim.payer_kind, organism=cpam,
                          payment_date=dt.date(2026, 10, 9), **fields)
    auto = BankLineFactory(account=account, amount=Decimal("72.50"),
                           booking_date=dt.date(2026, 10, 12),
                           label=f"VIR SEPA RECU /DE CPAM DU RHONE {tag}")
    manual = BankLineFactory(account=account, amount=Decimal("150.00"),
                             booking_date=dt.date(2026, 10, 12), label="VIR 5555")
    return {"paid": paid, "partial": partial, "rejected": rejected, "unknown": unknown,
            "silent": silent, "slip": slip, "other": other, "auto_line": auto,
            "manual_line": manual}
