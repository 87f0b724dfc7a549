"""Silent unpaid claims: no return after the payer's usual delay plus the margin."""

from __future__ import annotations

import datetime as dt

from claims.ageing import age_bucket, age_bucket_expression
from claims.models import Claim, ClaimStatus
from claims.unpaid import unpaid_flag
from tests.factories import ClaimFactory, OrganismFactory, ReturnLineFactory

TODAY = dt.date(2026, 11, 20)


def test_a_claim_without_return_past_the_delay_becomes_unpaid(pharmacy_a, settings):
    settings.UNPAID_MARGIN_DAYS = 10
    slow = OrganismFactory(usual_delay_days=5)  # 7 calendar days + 10 of margin
    late = ClaimFactory(pharmacy=pharmacy_a, organism=slow, transmission_date=dt.date(2026, 11, 2))
    in_time = ClaimFactory(pharmacy=pharmacy_a, organism=slow,
                           transmission_date=dt.date(2026, 11, 3))
    answered = ClaimFactory(pharmacy=pharmacy_a, organism=slow,
                            transmission_date=dt.date(2026, 9, 1))
    ReturnLineFactory(claim=None, pharmacy=pharmacy_a, invoice_number=answered.invoice_number,
                      payer_kind=answered.payer_kind, organism=slow, amount_paid=None,
                      status="REJETE", reject_code="0450 072")

    assert unpaid_flag(pharmacy_id=pharmacy_a.id, today=TODAY) == 1

    late.refresh_from_db()
    in_time.refresh_from_db()
    answered.refresh_from_db()
    assert late.status == ClaimStatus.UNPAID and late.unpaid_since == dt.date(2026, 11, 19)
    assert in_time.status == answered.status == ClaimStatus.TRANSMITTED
    assert unpaid_flag(pharmacy_id=pharmacy_a.id, today=TODAY) == 0


def test_age_buckets():
    assert [age_bucket(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [
        "0-30", "0-30", "31-60", "31-60", "61-90", "61-90", "90+", "90+"]


def test_age_bucket_in_sql_agrees(pharmacy_a):
    for days in (10, 45, 75, 120):
        ClaimFactory(pharmacy=pharmacy_a, transmission_date=TODAY - dt.timedelta(days=days))
    buckets = sorted(Claim.objects.annotate(bucket=age_bucket_expression("transmission_date", TODAY))
                     .values_list("bucket", flat=True))
    assert buckets == ["0-30", "31-60", "61-90", "90+"]
