"""core.money.euros_sql: PostgreSQL writes an amount exactly as format_euros does,
and the night's history line "Recouvré : … payée (1 234,56 €)" uses it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.models import ReturnStatus
from core.money import MONEY_MAX, euros_sql, format_euros
from rejections.models import Rejection, RejectionStatus
from tests.factories import ClaimFactory, ReasonFactory, ReturnLineFactory
from tiers_payant.night import night_returns


def _sql_euros(value: Decimal) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {euros_sql('%s::numeric')}", [value])
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.parametrize("value", [
    "0", "0.5", "23.66", "-23.66", "999.99", "1000", "1234.56", "-1234.56", "1000000", "12345678.9",
    "1.005", "2.675", "-0.125", str(MONEY_MAX), str(-MONEY_MAX),
])
def test_sql_and_python_write_the_same_amount(value):
    assert _sql_euros(Decimal(value)) == format_euros(Decimal(value))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=-MONEY_MAX, max_value=MONEY_MAX, places=3, allow_nan=False, allow_infinity=False))
def test_sql_and_python_agree_on_any_amount(value):
    assert _sql_euros(value) == format_euros(value)


def test_the_recovered_history_line_writes_a_french_amount(pharmacy_a):
    ReasonFactory(code="0450 072")
    claim = ClaimFactory(pharmacy=pharmacy_a, invoice_number="232035905", amount_claimed=Decimal("1234.56"))
    common = dict(claim=None, pharmacy=pharmacy_a, invoice_number=claim.invoice_number,
                  payer_kind=claim.payer_kind, organism=claim.organism)
    ReturnLineFactory(status=ReturnStatus.REJECTED, amount_paid=None, reject_code="0450 072",
                      return_date=dt.date(2026, 10, 12), **common)
    night_returns(pharmacy_id=pharmacy_a.id)
    ReturnLineFactory(status=ReturnStatus.PAID, amount_paid=Decimal("1234.56"),
                      payment_date=dt.date(2026, 10, 20), return_date=dt.date(2026, 10, 20), **common)
    night_returns(pharmacy_id=pharmacy_a.id)

    rejection = Rejection.objects.get(claim=claim)
    assert rejection.status == RejectionStatus.CLOSED
    line = rejection.events.get(kind="status", to_status="closed").text
    assert line == "Recouvré : facture 232035905 payée (1\u202f234,56\u00a0€)"


def test_a_manual_link_refused_says_the_remainder_in_french(pharmacy_a):
    from django.core.exceptions import ValidationError

    from payments.services import reconciliation_link
    from tests.factories import BankAccountFactory, BankLineFactory, PaymentSlipFactory

    slip = PaymentSlipFactory(pharmacy=pharmacy_a, total=Decimal("1234.50"))
    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("5000.00"))
    with pytest.raises(ValidationError) as refused:
        reconciliation_link(pharmacy=pharmacy_a, bank_line=line, allocations=[(slip, Decimal("2000.00"))], user=None)
    assert "n'a plus que 1\u202f234,50\u00a0€ à rapprocher" in refused.value.messages[0]


def test_a_bank_line_is_named_with_a_french_date_and_amount(pharmacy_a):
    from tests.factories import BankAccountFactory, BankLineFactory

    line = BankLineFactory(account=BankAccountFactory(pharmacy=pharmacy_a), amount=Decimal("2418.37"),
                           booking_date=dt.date(2026, 10, 12), label="VIR SEPA CPAM")
    assert str(line) == "12/10/2026 VIR SEPA CPAM 2\u202f418,37\u00a0€"
