"""A pharmacy with thousands of claims to remind, for the reminders page's bench
(bench/reminders_page.py) and its browser journey (tests/backoffice/test_browser.py).

Deterministic (one seed): the payers follow a Zipf law (the biggest payer holds
about a sixth of the claims, a hundred payers hold a handful each), amounts from
5 to 300 €, transmitted over the past 400 days, unpaid or partly paid (to claim from the payer); `paid` more
claims that are settled and `waiting` ones sent in the last days (no answer yet, so
not to remind) make the pharmacy's table as big as a real year's.
Everything is written with bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from backoffice.models import LetterTemplate, Reminder, ReminderClaim
from claims.due import unpaid_margin_days
from claims.models import Claim, ClaimStatus, Organism, PayerKind
from pharmacies.models import Pharmacy, User

AMO_PAYERS = 20


@dataclass
class ReminderDataset:
    pharmacy: Pharmacy
    payers: list[Organism]  # the biggest first
    counts: dict[int, int]  # organism id → remindable claims


def _payers(count: int) -> list[Organism]:
    wanted = [
        Organism(kind=PayerKind.AMO, code=f"{990000000 + n}", name=f"CAISSE BENCH {n + 1:03d}")
        if n < AMO_PAYERS
        else Organism(kind=PayerKind.AMC, code=f"B{n:09d}", name=f"MUTUELLE BENCH {n + 1:03d}")
        for n in range(count)
    ]
    existing = {(o.kind, o.code): o for o in Organism.objects.filter(code__in=[o.code for o in wanted])}
    Organism.objects.bulk_create([o for o in wanted if (o.kind, o.code) not in existing])
    by_code = {(o.kind, o.code): o for o in Organism.objects.filter(code__in=[o.code for o in wanted])}
    return [by_code[(o.kind, o.code)] for o in wanted]


def build_reminder_candidates(
    *, pharmacy: Pharmacy, candidates: int = 5000, paid: int = 0, waiting: int = 0,
    payers: int = 150, actor: User | None = None, today: dt.date | None = None, seed: int = 16,
) -> ReminderDataset:
    rng = random.Random(seed)
    today = today or dt.date.today()
    organisms = _payers(payers)
    weights = [1 / (rank + 1) for rank in range(payers)]
    scale = candidates / sum(weights)
    counts = [max(1, round(w * scale)) for w in weights]
    counts[0] += candidates - sum(counts)  # exactly `candidates`
    claims = []
    number = 300000000
    for organism, count in zip(organisms, counts, strict=True):
        for _ in range(count):
            number += 1
            sent = today - dt.timedelta(days=rng.randint(35, 400))
            amount = Decimal(rng.randint(500, 30000)) / 100
            operator = f"OP{rng.randint(1, 6)}"
            # To claim from the payer (claims.due.to_claim_from_payer): unpaid, or the
            # remainder of a partial payment (a quarter paid).
            partial = rng.random() < 0.4
            claims.append(Claim(
                pharmacy=pharmacy, invoice_number=str(number), payer_kind=organism.kind, organism=organism,
                care_date=sent - dt.timedelta(days=1), transmission_date=sent,
                patient_name=f"PATIENT {number}", amount_claimed=amount,
                amount_paid=(amount / 4).quantize(Decimal("0.01")) if partial else Decimal("0.00"),
                operator_code=operator,
                status=ClaimStatus.PARTIAL if partial else ClaimStatus.UNPAID,
                unpaid_since=sent + dt.timedelta(days=unpaid_margin_days()),  # as the night
            ))
    for _ in range(paid):
        number += 1
        organism = organisms[rng.randrange(payers)]
        sent = today - dt.timedelta(days=rng.randint(5, 400))
        amount = Decimal(rng.randint(500, 30000)) / 100
        claims.append(Claim(
            pharmacy=pharmacy, invoice_number=str(number), payer_kind=organism.kind, organism=organism,
            care_date=sent - dt.timedelta(days=1), transmission_date=sent, patient_name=f"PATIENT {number}",
            amount_claimed=amount, amount_paid=amount, operator_code="OP1", status=ClaimStatus.PAID,
            paid_date=sent + dt.timedelta(days=5),
        ))
    for _ in range(waiting):  # sent in the last days, no answer yet: not to remind
        number += 1
        organism = organisms[rng.randrange(payers)]
        sent = today - dt.timedelta(days=rng.randint(0, 6))
        claims.append(Claim(
            pharmacy=pharmacy, invoice_number=str(number), payer_kind=organism.kind, organism=organism,
            care_date=sent - dt.timedelta(days=1), transmission_date=sent, patient_name=f"PATIENT {number}",
            amount_claimed=Decimal(rng.randint(500, 30000)) / 100, operator_code="OP1",
            status=ClaimStatus.TRANSMITTED,
        ))
    Claim.objects.bulk_create(claims, batch_size=5000)
    # The biggest payer was reminded of 100 of its claims four weeks ago.
    template = LetterTemplate.objects.order_by("pk").first() or LetterTemplate.objects.create(
        name="Relance standard", subject="Relance : factures impayées",
        body="Madame, Monsieur,\n\nLes factures ci-dessous restent impayées ({total}).\n\nCordialement.",
    )
    first = list(Claim.objects.filter(pharmacy=pharmacy, organism=organisms[0], status__in=(
        ClaimStatus.PARTIAL, ClaimStatus.UNPAID)).order_by("pk")[:100])
    sent_on = today - dt.timedelta(weeks=4)
    reminder = Reminder.objects.create(
        pharmacy=pharmacy, organism=organisms[0], template=template, sent_on=sent_on,
        next_on=sent_on + dt.timedelta(days=15), total=sum(c.amount_claimed for c in first), created_by=actor,
    )
    ReminderClaim.objects.bulk_create(
        [ReminderClaim(pharmacy=pharmacy, reminder=reminder, claim=claim) for claim in first]
    )
    return ReminderDataset(
        pharmacy=pharmacy, payers=organisms, counts={o.pk: n for o, n in zip(organisms, counts, strict=True)}
    )
