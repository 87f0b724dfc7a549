"""A month of claims with a known rejection pattern, for report tests and the bench.

`build_month` returns the plain specs it inserted, so a test can compute every
expected figure in Python from them, independently of the SQL under test.
Bulk inserts: 5,000 claims take a second.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from claims.models import Claim, ClaimStatus, Organism, PayerKind, ReturnLine, ReturnStatus
from pharmacies.models import Pharmacy, StaffMember, StaffRole
from rejections.catalogue import REASONS
from rejections.models import HandledBy, Rejection, RejectionReason, RejectionStatus

# Reasons drawn for rejections: avoidable-at-counter ones and two that are not.
AVOIDABLE_CODES = [("AMO", "0450 072"), ("AMO", "0009-801"), ("AMC", "102"), ("AMO", "0009-920")]
OTHER_CODES = [("AMO", "0009-901"), ("AMO", "0450 401")]


@dataclass
class ClaimSpec:
    invoice: str
    operator: str
    organism_code: str
    amount: Decimal
    transmitted: dt.date
    status: str
    paid: dt.date | None = None
    reasons: list[tuple[str, str]] = field(default_factory=list)
    closed_on: dt.date | None = None
    recovered: Decimal = Decimal("0.00")
    handled_by: str = HandledBy.PHARMACY


@dataclass
class Dataset:
    pharmacy: Pharmacy
    month: dt.date
    claims: list[ClaimSpec]
    error_prone_operator: str
    reasons: dict[tuple[str, str], RejectionReason]


def load_reasons(codes) -> dict[tuple[str, str], RejectionReason]:
    """The catalogue rows the dataset uses (the data migration may not have loaded them)."""
    entries = {(r.payer_kind, r.code): r for r in REASONS}
    found = {}
    for key in codes:
        entry = entries[key]
        found[key], _ = RejectionReason.objects.get_or_create(
            payer_kind=entry.payer_kind, code=entry.code,
            defaults={
                "label": entry.label, "category": entry.category, "fault": entry.fault,
                "advice_fix": entry.advice_fix, "advice_prevent": entry.advice_prevent,
                "avoidable_at_counter": entry.avoidable_at_counter,
            },
        )
    return found


def build_month(
    *,
    pharmacy: Pharmacy,
    month: dt.date,
    operators: dict[str, tuple[int, float]],
    error_prone: str,
    seed: int = 8,
    history_months: int = 2,
) -> Dataset:
    """`operators`: code → (claims in the month, rejection probability). Claims of
    `history_months` earlier months come too (for the trend), at a 3 % rate."""
    rng = random.Random(seed)
    reasons = load_reasons(AVOIDABLE_CODES + OTHER_CODES)
    organisms = [
        Organism.objects.get_or_create(kind=PayerKind.AMO, code="016910000", defaults={"name": "CPAM DU RHONE", "usual_delay_days": 3})[0],
        Organism.objects.get_or_create(kind=PayerKind.AMC, code="0000000123", defaults={"name": "MUTUELLE DU TEST", "usual_delay_days": 6})[0],
    ]
    for index, code in enumerate(sorted(operators)):
        StaffMember.objects.get_or_create(
            pharmacy=pharmacy, operator_code=code,
            defaults={"first_name": f"Prénom{index}", "last_name": f"Opérateur{index}", "role": StaffRole.PREPARATEUR},
        )
    specs: list[ClaimSpec] = []
    counter = [0]

    def make(operator: str, transmitted: dt.date, probability: float) -> ClaimSpec:
        counter[0] += 1
        organism = organisms[counter[0] % 2]
        amount = Decimal(rng.randint(500, 12000)) / 100
        spec = ClaimSpec(f"{pharmacy.pk % 100:02d}{counter[0]:07d}", operator, organism.code, amount, transmitted, ClaimStatus.PAID)
        if rng.random() < probability:
            avoidable = operator == error_prone or rng.random() < 0.6
            pool = AVOIDABLE_CODES if avoidable else OTHER_CODES
            pool = [c for c in pool if c[0] == organism.kind] or OTHER_CODES
            spec.reasons.append(rng.choice(pool))
            spec.status = ClaimStatus.REJECTED
            if rng.random() < 0.3:  # corrected and paid later in the month
                spec.closed_on = transmitted + dt.timedelta(days=rng.randint(5, 20))
                spec.recovered = amount
                spec.handled_by = rng.choice([HandledBy.PHARMACY, HandledBy.BACKOFFICE])
        elif rng.random() < 0.1:
            spec.status = ClaimStatus.TRANSMITTED  # no answer yet
        else:
            spec.paid = transmitted + dt.timedelta(days=rng.randint(1, 12))
        return spec

    last_day = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    for code, (count, probability) in operators.items():
        for _ in range(count):
            specs.append(make(code, month + dt.timedelta(days=rng.randint(0, last_day.day - 1)), probability))
    history_month = month
    for _ in range(history_months):
        history_month = (history_month - dt.timedelta(days=1)).replace(day=1)
        for code in operators:
            for _ in range(20):
                specs.append(make(code, history_month + dt.timedelta(days=rng.randint(0, 27)), 0.03))

    insert(pharmacy=pharmacy, specs=specs, organisms={o.code: o for o in organisms}, reasons=reasons)
    return Dataset(pharmacy, month, specs, error_prone, reasons)


def insert(*, pharmacy, specs, organisms, reasons) -> None:
    claims = Claim.objects.bulk_create(
        [
            Claim(
                pharmacy=pharmacy, invoice_number=s.invoice, payer_kind=organisms[s.organism_code].kind,
                organism=organisms[s.organism_code], care_date=s.transmitted, transmission_date=s.transmitted,
                patient_name="PATIENT TEST", amount_claimed=s.amount,
                amount_paid=s.amount if s.paid else Decimal("0.00"), operator_code=s.operator,
                status=s.status, paid_date=s.paid,
            )
            for s in specs
        ],
        batch_size=2000,
    )
    Rejection.objects.bulk_create(
        [
            Rejection(
                pharmacy=pharmacy, claim=claim, reason=reasons[key], amount=s.amount,
                rejected_on=s.transmitted + dt.timedelta(days=3), claim_sent_on=claim.transmission_date,
                status=RejectionStatus.CLOSED if s.closed_on else RejectionStatus.TO_HANDLE,
                closed_on=s.closed_on, recovered_amount=s.recovered, handled_by=s.handled_by,
            )
            for claim, s in zip(claims, specs, strict=True)
            for key in s.reasons
        ],
        batch_size=2000,
    )
    # What was recovered: the payer paid the rejected claim once it was claimed, on the
    # day the rejection was closed (reports.figures.recovered counts these payments).
    ReturnLine.objects.bulk_create(
        [
            ReturnLine(
                pharmacy=pharmacy, claim=claim, invoice_number=claim.invoice_number,
                payer_kind=claim.payer_kind, organism=claim.organism, status=ReturnStatus.PAID,
                amount_paid=s.recovered, payment_date=s.closed_on, return_date=s.closed_on,
            )
            for claim, s in zip(claims, specs, strict=True)
            if s.recovered
        ],
        batch_size=2000,
    )
