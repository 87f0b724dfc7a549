"""The statistics page (/pharmacies/<id>/rapports/statistiques/) at 40,000 claims.

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/tp_bench \
        .venv/bin/python bench/statistics_page.py [--repeat 7]

Builds once a pharmacy with 40,000 claims over twelve months (the last one,
October 2026, the month shown) spread over 150 payers as real months are (a
dozen payers carry almost everything, the rest have a claim or two), 3 % of them
rejected, eight staff members; then requests the page through Django's test
client as its titulaire, `--repeat` times, and prints the median time of the
page, of its SQL and of its charts, the number of queries and the page's size.
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

operator_process()  # arranging data as an operator; the page request is scoped by the middleware

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from claims.models import Claim, ClaimStatus, Organism, PayerKind  # noqa: E402
from pharmacies.models import Pharmacy, StaffMember, StaffRole, User  # noqa: E402
from tests.reports.dataset import AVOIDABLE_CODES, OTHER_CODES, ClaimSpec, insert, load_reasons  # noqa: E402

MONTH = dt.date(2026, 10, 1)
FINESS = "690099975"
CLAIMS = 40_000
MONTHS = 12
PAYERS = 150
MAIN_PAYERS = 12
OPERATORS = [f"OP{i}" for i in range(8)]


def build() -> Pharmacy:
    pharmacy = Pharmacy.objects.filter(finess=FINESS).first()
    if pharmacy is not None:
        return pharmacy
    rng = random.Random(40_000)
    pharmacy = Pharmacy.objects.create(finess=FINESS, name="Pharmacie du Bench des Statistiques")
    for index, code in enumerate(OPERATORS):
        StaffMember.objects.create(pharmacy=pharmacy, operator_code=code, first_name=f"Prénom{index}",
                                   last_name=f"Opérateur{index}", role=StaffRole.PREPARATEUR)
    titulaire = User.objects.create_user(username="bench-stats-titulaire", kind=User.Kind.PHARMACY)
    StaffMember.objects.create(pharmacy=pharmacy, operator_code="TIT", first_name="Titu", last_name="Laire",
                               role=StaffRole.TITULAIRE, user=titulaire)
    organisms = {}
    for n in range(PAYERS):
        kind = PayerKind.AMO if n < 3 else PayerKind.AMC
        code = f"{n:09d}" if kind == PayerKind.AMO else f"{n:010d}"
        organisms[code] = Organism.objects.get_or_create(
            kind=kind, code=code, defaults={"name": f"ORGANISME BENCH {n:03d}", "usual_delay_days": 5})[0]
    codes = list(organisms)
    weights = [200 if i < MAIN_PAYERS else 0.3 for i in range(PAYERS)]
    reasons = load_reasons(AVOIDABLE_CODES + OTHER_CODES)
    first = (MONTH - dt.timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    span = (MONTH.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first
    specs = []
    for n in range(CLAIMS):
        code = rng.choices(codes, weights)[0]
        kind = organisms[code].kind
        transmitted = first + dt.timedelta(days=rng.randrange(span.days))
        amount = Decimal(rng.randint(500, 12000)) / 100
        spec = ClaimSpec(f"75{n:07d}", rng.choice(OPERATORS), code, amount, transmitted, ClaimStatus.PAID)
        roll = rng.random()
        if roll < 0.03:
            pool = [c for c in AVOIDABLE_CODES + OTHER_CODES if c[0] == kind] or OTHER_CODES
            spec.reasons.append(rng.choice(pool))
            spec.status = ClaimStatus.REJECTED
        elif roll < 0.10:
            spec.status = ClaimStatus.TRANSMITTED
        else:
            spec.paid = transmitted + dt.timedelta(days=rng.randint(1, 20))
        specs.append(spec)
    insert(pharmacy=pharmacy, specs=specs, organisms=organisms, reasons=reasons)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return pharmacy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    pharmacy = build()
    import reports.services as services

    # The charts' share of the page: time spent in month_charts, measured in place.
    chart_times: list[float] = []
    original = services.month_charts

    def timed_charts(stats):
        start = time.perf_counter()
        try:
            return original(stats)
        finally:
            chart_times.append(time.perf_counter() - start)

    services.month_charts = timed_charts
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench-stats-titulaire"))
    url = f"/pharmacies/{pharmacy.pk}/rapports/statistiques/?mois={MONTH:%Y-%m}"
    client.get(url)  # warm-up: templates, fonts of pygal
    times, sql, queries = [], [], 0
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        sql.append(sum(float(q["time"]) for q in captured.captured_queries))
        queries = len(captured.captured_queries)
    claims = Claim.objects.filter(pharmacy=pharmacy).count()
    month_claims = Claim.objects.filter(pharmacy=pharmacy, transmission_date__gte=MONTH,
                                        transmission_date__lt=dt.date(2026, 11, 1)).count()
    payers = response.content.count(b"&amp;organisme=")
    print(f"statistics page, {claims} claims ({month_claims} in the month shown, {payers} payers): "
          f"median {statistics.median(times) * 1000:.0f} ms (worst {max(times) * 1000:.0f} ms), "
          f"SQL {statistics.median(sql) * 1000:.0f} ms in {queries} queries, "
          f"charts {statistics.median(chart_times) * 1000:.0f} ms, page {len(response.content) // 1024} KB, "
          f"{args.repeat} runs, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
