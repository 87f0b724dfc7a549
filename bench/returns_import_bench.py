"""Returns (`retours`) import time: one file of N lines for the claims the import bench left.

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/<the import bench's database> \\
        .venv/bin/python bench/returns_import_bench.py --rows 200000

Run `import_bench.py` first (its claims stay in its database). Writes a `retours` file
answering the first N of them (97 % paid on slips of 500 lines, 3 % rejected), empties
the returns and slips, then times the whole import (`import_file_run(commit=True)`, as
`manage.py import_file --yes`): wall seconds and the CPU seconds of its PostgreSQL
backend (steadier on a shared machine). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # a development run (the settings fail closed)

from bench.import_bench import BENCH_FINESS, process_cpu_seconds, setup_django  # noqa: E402

RETURNS_HEADER = (
    "finess;facture;payeur;organisme;statut;montant_paye;code_rejet;libelle_rejet;bordereau;"
    "date_paiement;date_retour\n"
)


def write_returns_file(path: Path, rows: int) -> None:
    from django.db import connection

    rng = random.Random(3)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.invoice_number, c.payer_kind, o.code, c.amount_claimed, c.transmission_date"
            " FROM claims_claim c JOIN claims_organism o ON o.id = c.organism_id"
            " ORDER BY c.id LIMIT %s",
            [rows],
        )
        claims = cursor.fetchall()
    if len(claims) < rows:
        raise SystemExit(f"only {len(claims)} claims in this database: run import_bench.py first")
    with open(path, "w", encoding="utf-8") as out:
        out.write(RETURNS_HEADER)
        for n, (invoice, kind, code, amount, sent) in enumerate(claims):
            day = sent.replace(day=1).strftime("%d/%m/%Y")
            if rng.random() < 0.03:
                out.write(f"{BENCH_FINESS};{invoice};{kind};{code};REJETE;;0450 072;DROITS FERMES;;;{day}\n")
            else:
                paid = str(amount).replace(".", ",")
                out.write(f"{BENCH_FINESS};{invoice};{kind};{code};PAYE;{paid};;;B{code}-{n // 500};{day};{day}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/import_bench"))
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from claims.imports.services import import_file_run
    from pharmacies.models import Pharmacy

    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"retours-{args.rows}.csv"
    if not path.exists():
        write_returns_file(path, args.rows)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM claims_returnline")
        cursor.execute("DELETE FROM payments_paymentslip")
        cursor.execute("DELETE FROM claims_importbatch WHERE kind = 'returns'")
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    pharmacy = Pharmacy.objects.get(finess=BENCH_FINESS)
    backend_before, load_before = process_cpu_seconds(backend), os.getloadavg()[0]
    started = time.perf_counter()
    batch = import_file_run(pharmacy=pharmacy, path=path, commit=True, max_bytes=10**12)
    print(json.dumps({
        "status": batch.status, "rows": batch.counts.get("rows"), "created": batch.counts.get("created"),
        "seconds": round(time.perf_counter() - started, 1),
        "backend_cpu_s": round(process_cpu_seconds(backend) - backend_before, 1),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }))


if __name__ == "__main__":
    main()
