"""The bank sort against the generator's truth on a full generated year (issue 16's figures).

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/tp_bench \\
        .venv/bin/python bench/bank_sort_truth.py --seed 34 --pharmacies 4 --months 12

Generates the pharmacies (full size), imports every month through the import
pipeline (claims, returns, bank statement), runs one night per pharmacy after the
period, then prints one JSON line: what the old definition counted as "virements
non rapprochés" (every unmatched credit), what the one definition counts now
(payments.selectors), what the truth says is left (its insurers' transfers not
matched), and the sort's precision and recall per kind over every line.
Skips a pharmacy already imported (same FINESS) so a second run only measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # a development run (the settings fail closed)

import django  # noqa: E402

django.setup()
from pharmacies.row_security import operator_process  # noqa: E402

operator_process()  # a bench holds the server: every pharmacy (row-level security)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=34)
    parser.add_argument("--pharmacies", type=int, default=4)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", default=None, help="generated data folder (kept)")
    args = parser.parse_args()

    from django.core.management import call_command
    from django.db.models import Count, Sum

    from payments.models import BankLine
    from payments.selectors import unmatched_insurer_transfers_total
    from pharmacies.models import Pharmacy
    from synthetic.run import generate
    from tests.generated import generated_months, import_generated_month
    from tiers_payant.night import nightly_run

    call_command("migrate", verbosity=0)
    out = Path(args.out or tempfile.mkdtemp(prefix="bank_truth_"))
    if not (out / "pharmacies.json").exists():
        generate(seed=args.seed, pharmacies=args.pharmacies, months=args.months, out=str(out),
                 scale=args.scale, jobs=2)
    began = time.perf_counter()
    truth: dict[tuple[int, str], tuple[str, Decimal]] = {}
    pharmacies = []
    last_month = None
    for entry in json.loads((out / "pharmacies.json").read_text()):
        pharmacy, created = Pharmacy.objects.get_or_create(
            finess=entry["finess"], defaults={"name": entry["name"]})
        pharmacies.append(pharmacy)
        for month in generated_months(out, entry["finess"]):
            if created:
                import_generated_month(pharmacy, month)
            month_truth = json.loads((month / "truth.json").read_text())
            last_month = max(last_month or month_truth["month"], month_truth["month"])
            for bank_ref, kind, amount in month_truth["bank"]:
                truth[pharmacy.pk, bank_ref] = (kind, Decimal(amount))
    year, month = map(int, last_month.split("-"))
    night = dt.date(year + month // 12, month % 12 + 1, 7)
    for pharmacy in pharmacies:
        nightly_run(pharmacy_id=pharmacy.pk, day=night, force=True)
    loaded = time.perf_counter() - began

    ids = [p.pk for p in pharmacies]
    lines = {(b.pharmacy_id, b.bank_reference): b for b in BankLine.objects.filter(pharmacy_id__in=ids)}
    # The old definition (before the sort): every unmatched credit.
    old = BankLine.objects.filter(pharmacy_id__in=ids, status="unmatched", amount__gt=0).aggregate(
        count=Count("pk"), amount=Sum("amount"))
    now = {"count": 0, "amount": Decimal(0)}
    for pharmacy in pharmacies:
        total = unmatched_insurer_transfers_total(pharmacy=pharmacy)
        now["count"] += total["count"]
        now["amount"] += total["amount"]
    left = [key for key, (kind, _) in truth.items()
            if kind == "insurer" and lines[key].status != BankLine.Status.MATCHED]
    left_amount = sum((lines[key].amount - lines[key].matched_amount for key in left), Decimal(0))
    counted_kinds = Counter(truth[(b.pharmacy_id, b.bank_reference)][0] for b in
                            BankLine.objects.filter(pharmacy_id__in=ids, kind="insurer",
                                                    amount__gt=0, status__in=["unmatched", "partial"]))
    pairs = [(kind, lines[key].kind) for key, (kind, _) in truth.items()]
    sort = {}
    for kind in sorted({k for k, _ in pairs}):
        found = sum(1 for _, s in pairs if s == kind)
        right = sum(1 for t, s in pairs if s == kind == t)
        actual = sum(1 for t, _ in pairs if t == kind)
        sort[kind] = {"lines": actual, "precision": f"{right}/{found}", "recall": f"{right}/{actual}"}
    print(json.dumps({
        "bench": "bank_sort_truth", "seed": args.seed, "pharmacies": len(pharmacies),
        "months": args.months, "lines": len(truth), "load_and_night_s": round(loaded, 1),
        "old_definition": {"count": old["count"], "amount": str(old["amount"] or 0)},
        "unmatched_insurer_transfers": {"count": now["count"], "amount": str(now["amount"])},
        "truth_left": {"count": len(left), "amount": str(left_amount)},
        "counted_by_truth_kind": dict(counted_kinds),
        "matched_lines_by_truth_kind": dict(Counter(
            truth[key][0] for key, b in lines.items() if b.matched_amount != 0)),
        "sort": sort, "data": str(out),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
