"""Benchmark of the bank sort (payments/classification.py) on a generated pharmacy year.

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/tp_bench \\
        .venv/bin/python bench/bank_sort_bench.py --years 3

One generated pharmacy (seed 35, full size), its twelve bank statements imported
through the import pipeline (each import sorts its pharmacy's lines), the first
month's claims too (the payers' names the sort reads). Then the statement alone is
timed on the whole account: a first sort of every line (`kind` emptied: the worst
case, what the migration does), a sort of every line again, a rule's change (the
lines holding its words: here "VIR SEPA RECU", most credits, the worst case), and
the night's share (what may have changed since: here nothing). `--years N`
copies the year N-1 times (other references) to see how it grows with the history.
Prints one JSON line. DESTRUCTIVE for the bench pharmacy only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # a development run (the settings fail closed)

import django  # noqa: E402

django.setup()
from pharmacies.row_security import operator_process  # noqa: E402

operator_process()  # a bench holds the server: every pharmacy (row-level security)

SEED = 35


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=1)
    args = parser.parse_args()

    from django.core.management import call_command
    from django.db import connection

    from payments.classification import bank_lines_classify
    from payments.models import BankLine
    from pharmacies.models import Pharmacy
    from synthetic.run import generate
    from tests.generated import bank_statement_of, generated_months, import_or_fail

    call_command("migrate", verbosity=0)
    out = Path(tempfile.mkdtemp(prefix="bank_sort_"))
    generate(seed=SEED, pharmacies=1, months=12, out=str(out), scale=1.0, start="2025-01")
    (entry,) = json.loads((out / "pharmacies.json").read_text())
    pharmacy, created = Pharmacy.objects.get_or_create(
        finess=entry["finess"], defaults={"name": "Pharmacie du tri bancaire"})
    if created:
        months = generated_months(out, entry["finess"])
        import_or_fail(pharmacy, months[0] / "factures.csv")
        for month in months:
            import_or_fail(pharmacy, bank_statement_of(month))
        with connection.cursor() as cursor:
            for year in range(1, args.years):  # older years: same lines, other keys
                cursor.execute(
                    """
                    INSERT INTO payments_bankline
                        (pharmacy_id, account_id, statement_id, natural_key, booking_date,
                         value_date, amount, label, bank_reference, details, match_text,
                         matched_amount, status, kind, kind_source, created_at)
                    SELECT pharmacy_id, account_id, statement_id, natural_key || '-' || %s,
                           booking_date - make_interval(years => %s), value_date, amount, label,
                           bank_reference, details, match_text, matched_amount, status, '', '',
                           created_at
                    FROM payments_bankline
                    WHERE pharmacy_id = %s AND natural_key NOT LIKE '%%-%%'
                    """,
                    [year, year, pharmacy.pk],
                )
            cursor.execute("ANALYZE payments_bankline")
    lines = BankLine.objects.filter(pharmacy=pharmacy).count()

    BankLine.objects.filter(pharmacy=pharmacy).update(kind="", kind_source="")
    began = time.perf_counter()
    changed = bank_lines_classify(pharmacy_id=pharmacy.pk)
    first = time.perf_counter() - began
    everything, rules, nights = [], [], []
    for _ in range(3):
        began = time.perf_counter()  # every line again (the migration's second run)
        assert bank_lines_classify(pharmacy_id=pharmacy.pk) == 0
        everything.append(time.perf_counter() - began)
        began = time.perf_counter()  # a rule's change: the lines with its words
        assert bank_lines_classify(pharmacy_id=pharmacy.pk, everything=False,
                                   touching="VIR SEPA RECU") == 0
        rules.append(time.perf_counter() - began)
        began = time.perf_counter()  # the night: what may have changed
        assert bank_lines_classify(pharmacy_id=pharmacy.pk, everything=False) == 0
        nights.append(time.perf_counter() - began)
    kinds = dict(BankLine.objects.filter(pharmacy=pharmacy).values_list("kind")
                 .annotate(n=django.db.models.Count("pk")).order_by().values_list("kind", "n"))
    print(json.dumps({
        "bench": "bank_sort", "lines": lines, "sorted": changed, "first_sort_s": round(first, 3),
        "resort_all_s": round(min(everything), 3),
        "rule_change_sort_s": round(min(rules), 3), "night_sort_s": round(min(nights), 3), "kinds": kinds,
    }))


if __name__ == "__main__":
    main()
