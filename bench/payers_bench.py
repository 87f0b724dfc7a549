"""The payers' scorecard (reports/payers.py): what its pages cost.

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/tp_bench \
        .venv/bin/python bench/payers_bench.py [--repeat 7]

Builds once 20 pharmacies of 20,000 claims each over twelve months (30 payers, 6 of them
AMC of two operators; paid after 2..40 days, 3 % rejected with a rejection row, some
partial, the last fortnight still transmitted), then times, median of `--repeat` runs:
one pharmacy's payers list (`payer_cards` + `operator_cards`), one payer's page
(`payer_cards` for it), and one payer across the 20 pharmacies (`payer_cards_by_pharmacy`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # a development run (the settings fail closed)

import django  # noqa: E402

django.setup()

from pharmacies.row_security import operator_process  # noqa: E402

operator_process()

from django.db import connection  # noqa: E402

from claims.models import Claim, ClaimStatus, Organism, PayerKind  # noqa: E402
from pharmacies.models import Pharmacy  # noqa: E402
from rejections.models import Fault, ReasonCategory, Rejection, RejectionReason  # noqa: E402
from reports.payers import operator_cards, payer_cards, payer_cards_by_pharmacy  # noqa: E402

PHARMACIES, CLAIMS, DAY = 20, 20_000, dt.date(2026, 10, 31)
PREFIX = "6900977"


def build() -> list[Pharmacy]:
    existing = list(Pharmacy.objects.filter(finess__startswith=PREFIX).order_by("finess"))
    if len(existing) == PHARMACIES:
        return existing
    rng = random.Random(2026)
    organisms = [
        Organism.objects.get_or_create(
            kind=PayerKind.AMC if n < 6 else PayerKind.AMO, code=f"87{n:08d}",
            defaults={"name": f"BENCH PAYEUR {n}", "usual_delay_days": 3 + n % 8,
                      "operator": ("Almerys", "Viamedis")[n % 2] if n < 6 else ""})[0]
        for n in range(30)
    ]
    reason, _ = RejectionReason.objects.get_or_create(
        payer_kind=PayerKind.AMC, code="BENCH01",
        defaults={"label": "BENCH", "category": ReasonCategory.AMO_RIGHTS, "fault": Fault.COUNTER})
    out = []
    for index in range(PHARMACIES):
        pharmacy = Pharmacy.objects.create(finess=f"{PREFIX}{index:02d}", name=f"Bench payeurs {index}")
        claims = []
        for n in range(CLAIMS):
            sent = DAY - dt.timedelta(days=rng.randint(0, 364))
            amount = Decimal(rng.randint(300, 9000)) / 100
            u = rng.random()
            paid_on = sent + dt.timedelta(days=rng.randint(2, 40))
            if (DAY - sent).days < 15 and u < 0.8:
                status, paid, paid_on = ClaimStatus.TRANSMITTED, Decimal(0), None
            elif u < 0.03:
                status, paid, paid_on = ClaimStatus.REJECTED, Decimal(0), None
            elif u < 0.045:
                status, paid, paid_on = ClaimStatus.UNPAID, Decimal(0), None
            elif u < 0.055:
                status, paid = ClaimStatus.PARTIAL, (amount / 2).quantize(Decimal("0.01"))
            else:
                status, paid = ClaimStatus.PAID, amount
            organism = rng.choice(organisms)
            claims.append(Claim(
                pharmacy=pharmacy, invoice_number=f"{index:02d}{n:07d}", payer_kind=organism.kind,
                organism=organism, care_date=sent, transmission_date=sent, paid_date=paid_on,
                patient_name="PATIENT BENCH", amount_claimed=amount, amount_paid=paid,
                operator_code="OP1", status=status,
            ))
        created = Claim.objects.bulk_create(claims, batch_size=5000)
        Rejection.objects.bulk_create([
            Rejection(pharmacy=pharmacy, claim=c, reason=reason, amount=c.amount_claimed,
                      rejected_on=c.transmission_date + dt.timedelta(days=5),
                      claim_sent_on=c.transmission_date)
            for c in created if c.status == ClaimStatus.REJECTED
        ], batch_size=5000)
        out.append(pharmacy)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
        cursor.execute("ANALYZE rejections_rejection")
    return out


def median_ms(call, repeat: int) -> float:
    call()  # warm the cache
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    pharmacies = build()
    one = Pharmacy.objects.filter(pk=pharmacies[0].pk)
    every = Pharmacy.objects.filter(pk__in=[p.pk for p in pharmacies])
    busiest = payer_cards(pharmacies=one, day=DAY)[0].key

    def listing():
        payer_cards(pharmacies=one, day=DAY)
        operator_cards(pharmacies=one, day=DAY)

    rows = [
        ("one pharmacy, payers list (payers + operators)", median_ms(listing, args.repeat)),
        ("one pharmacy, one payer's figures", median_ms(
            lambda: payer_cards(pharmacies=one, day=DAY, organism_id=busiest), args.repeat)),
        (f"{PHARMACIES} pharmacies, payers list", median_ms(
            lambda: payer_cards(pharmacies=every, day=DAY), args.repeat)),
        (f"{PHARMACIES} pharmacies, one payer per pharmacy + total", median_ms(
            lambda: payer_cards_by_pharmacy(pharmacies=every, day=DAY, organism_id=busiest),
            args.repeat)),
    ]
    print(f"{PHARMACIES} pharmacies × {CLAIMS:,} claims, day {DAY}, median of {args.repeat}")
    for label, ms in rows:
        print(f"| {label} | {ms:.1f} ms |")


if __name__ == "__main__":
    main()
