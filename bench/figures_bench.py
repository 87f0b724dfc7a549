"""The money figures (reports/figures.py) against the old definitions they replace.

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/tp_bench \
        .venv/bin/python bench/figures_bench.py [--repeat 7]

Builds once 20 pharmacies of 10,000 claims each over twelve months (90 % paid, 3 %
rejected, the month's last fortnight still transmitted, some unpaid and partial), then
times, median of `--repeat` runs:

- one pharmacy's figures on a day: `money_figures` (owed, due, overdue, to remind, at
  risk, five kinds: one query) against the dashboard's old unpaid and open aggregates;
- the portfolio's figures for the 20 pharmacies: `money_figures_by_pharmacy` (every
  figure, one grouped query) against the old `money_at_risk` and `unpaid_over_30`
  correlated subqueries (two).
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
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402

from claims.due import unpaid_margin_days  # noqa: E402
from claims.models import MONEY_FIELD, Claim, ClaimStatus, Organism, PayerKind  # noqa: E402
from pharmacies.models import Pharmacy  # noqa: E402
from reports.figures import money_figures, money_figures_by_pharmacy  # noqa: E402

PHARMACIES, CLAIMS, DAY = 20, 10_000, dt.date(2026, 10, 31)
PREFIX = "6900988"


def build() -> list[Pharmacy]:
    existing = list(Pharmacy.objects.filter(finess__startswith=PREFIX).order_by("finess"))
    if len(existing) == PHARMACIES:
        return existing
    rng = random.Random(2026)
    organisms = [
        Organism.objects.get_or_create(kind=PayerKind.AMC, code=f"88{n:08d}",
                                       defaults={"name": f"BENCH {n}", "usual_delay_days": d})[0]
        for n, d in enumerate((3, 4, 5, 8, 12, 20))
    ]
    out = []
    for index in range(PHARMACIES):
        pharmacy = Pharmacy.objects.create(finess=f"{PREFIX}{index:02d}", name=f"Bench chiffres {index}")
        claims = []
        for n in range(CLAIMS):
            sent = DAY - dt.timedelta(days=rng.randint(0, 364))
            amount = Decimal(rng.randint(300, 9000)) / 100
            u = rng.random()
            if (DAY - sent).days < 15 and u < 0.8:
                status, paid = ClaimStatus.TRANSMITTED, Decimal(0)
            elif u < 0.03:
                status, paid = ClaimStatus.REJECTED, Decimal(0)
            elif u < 0.045:
                status, paid = ClaimStatus.UNPAID, Decimal(0)
            elif u < 0.055:
                status, paid = ClaimStatus.PARTIAL, (amount / 2).quantize(Decimal("0.01"))
            elif u < 0.06:
                status, paid = ClaimStatus.TRANSMITTED, Decimal(0)  # silent, not yet flagged
            else:
                status, paid = ClaimStatus.PAID, amount
            claims.append(Claim(
                pharmacy=pharmacy, invoice_number=f"{index:02d}{n:07d}", payer_kind=PayerKind.AMC,
                organism=rng.choice(organisms), care_date=sent, transmission_date=sent,
                patient_name="PATIENT BENCH", amount_claimed=amount, amount_paid=paid,
                operator_code="OP1", status=status,
            ))
        Claim.objects.bulk_create(claims, batch_size=5000)
        out.append(pharmacy)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    return out


def old_dashboard(pharmacy: Pharmacy) -> dict:
    """The dashboard's figures before reports.figures: unpaid by status, open by status."""
    outstanding = F("amount_claimed") - F("amount_paid")
    open_ = Q(status__in=(ClaimStatus.TRANSMITTED, ClaimStatus.PARTIAL, ClaimStatus.REJECTED,
                          ClaimStatus.UNPAID))
    return Claim.objects.filter(open_, pharmacy=pharmacy).aggregate(
        unpaid_count=Count("pk", filter=Q(status=ClaimStatus.UNPAID)),
        unpaid_amount=Sum(outstanding, filter=Q(status=ClaimStatus.UNPAID), output_field=MONEY_FIELD),
        open_count=Count("pk"), open_amount=Sum(outstanding, output_field=MONEY_FIELD),
    )


def old_portfolio(pharmacies) -> list:
    def per_pharmacy(queryset, aggregate, field):
        return Subquery(queryset.filter(pharmacy=OuterRef("pk")).order_by().values("pharmacy")
                        .annotate(value=aggregate).values("value"), output_field=field)

    return list(pharmacies.annotate(
        money_at_risk=Coalesce(per_pharmacy(
            Claim.objects.filter(status__in=(ClaimStatus.REJECTED, ClaimStatus.UNPAID)),
            Sum(F("amount_claimed") - F("amount_paid")), MONEY_FIELD), Value(Decimal(0)),
            output_field=MONEY_FIELD),
        unpaid_over_30=Coalesce(per_pharmacy(
            Claim.objects.filter(status__in=(ClaimStatus.UNPAID, ClaimStatus.TRANSMITTED),
                                 # the old hard-coded 30 days, the margin's value
                                 transmission_date__lt=DAY - dt.timedelta(days=unpaid_margin_days())),
            Count("*"), IntegerField()), 0),
    ))


def new_portfolio(pharmacies) -> dict:
    return money_figures_by_pharmacy(pharmacies=pharmacies, day=DAY)


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
    every = Pharmacy.objects.filter(pk__in=[p.pk for p in pharmacies]).order_by("name")
    rows = [
        ("one pharmacy, old dashboard aggregates", median_ms(lambda: old_dashboard(pharmacies[0]), args.repeat)),
        ("one pharmacy, money_figures", median_ms(lambda: money_figures(pharmacies=one, day=DAY), args.repeat)),
        (f"{PHARMACIES} pharmacies, old portfolio subqueries", median_ms(lambda: old_portfolio(every), args.repeat)),
        (f"{PHARMACIES} pharmacies, money_figures_by_pharmacy", median_ms(lambda: new_portfolio(every), args.repeat)),
    ]
    print(f"{PHARMACIES} pharmacies × {CLAIMS:,} claims, day {DAY}, median of {args.repeat}")
    for label, ms in rows:
        print(f"| {label} | {ms:.1f} ms |")


if __name__ == "__main__":
    main()
