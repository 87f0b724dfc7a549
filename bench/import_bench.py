"""Claims import throughput: the whole pipeline beside a raw COPY of the same file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bo_bench \\
        .venv/bin/python bench/import_bench.py --rows 1000000 --rss-rows 250000

1. writes a valid `factures` file of N claims (fast writer below, ~2 s per million);
2. raw COPY: the file's bytes into a bare table of text columns
   (`COPY … FROM STDIN (FORMAT csv)`, PostgreSQL parses, nothing is checked) —
   the floor no import can beat;
3. table floor: PostgreSQL alone moving those raw rows into `claims_claim`
   (one INSERT … SELECT, casts in SQL, then commit) — what the table's
   indexes and deferred foreign keys cost on this server;
4. end to end: `import_file_run(commit=True)` — the same service as
   `manage.py import_file --yes`: sniffing, parsing and checking every field
   (NIR key, dates, amounts), COPY into the staging table, duplicate and length
   checks, organisms, the upsert into `claims_claim` with its indexes, commit;
   with its wall time, the CPU seconds of the importing process and of its
   PostgreSQL backend (steadier than wall time on a shared machine);
5. peak RSS of the import, in a fresh process, at `--rss-rows` and at N rows:
   it must not grow with the file.

Each import runs in its own process on an emptied claims table. Not part of
the test suite. The database named by DATABASE_URL is migrated and its claims
emptied: give it a database of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # a development run (the settings fail closed)

BENCH_FINESS = "690001235"
HEADER = (
    "finess;facture;lot;date_soins;date_transmission;nir;rang;patient;payeur;organisme;"
    "organisme_nom;montant;operateur;prescripteur\n"
)


def write_claims_file(path: Path, rows: int, *, seed: int = 1) -> None:
    """N valid claims (two payers per invoice for 40 % of them), written in 1 MB blocks."""
    from stdnum.fr import nir as stdnum_nir

    from claims.reference import AMC_PAYERS, CPAMS

    rng = random.Random(seed)
    nirs = []
    for _ in range(2000):
        stem = f"{rng.choice('12')}{rng.randint(30, 99):02d}{rng.randint(1, 12):02d}69{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
        nirs.append(stem + stdnum_nir.calc_check_digits(stem))
    amo = [(o.code, o.name) for o in list(CPAMS.values())[:20]]
    amc = [(o.code, o.name) for o in AMC_PAYERS]
    names = [f"NOM{i} Prénom{i}" for i in range(500)]
    operators = ["MARIE", "PH2", "JDU", "AGI", "DPE"]
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]
    day_text = [d.strftime("%d/%m/%Y") for d in days]
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        block: list[str] = []
        invoice, written = 200000000, 0
        while written < rows:
            invoice += 1
            d = rng.randrange(364)
            care, sent = day_text[d], day_text[d + 1]
            n = nirs[rng.randrange(2000)]
            patient = names[rng.randrange(500)]
            operator = operators[rng.randrange(5)]
            rpps = f"1{rng.randrange(10**10):010d}"
            lot = str(100 + invoice % 900)
            code, name = amo[rng.randrange(20)]
            amount = f"{rng.randrange(100, 20000) // 100},{rng.randrange(100):02d}"
            block.append(f"{BENCH_FINESS};{invoice};{lot};{care};{sent};{n};1;{patient};AMO;{code};{name};{amount};{operator};{rpps}\n")
            written += 1
            if written < rows and rng.random() < 0.4:
                code, name = amc[rng.randrange(len(amc))]
                amount = f"{rng.randrange(100, 9000) // 100},{rng.randrange(100):02d}"
                block.append(f"{BENCH_FINESS};{invoice};{lot};{care};{sent};{n};1;{patient};AMC;{code};{name};{amount};{operator};{rpps}\n")
                written += 1
            if len(block) >= 10000:
                out.write("".join(block))
                block.clear()
        out.write("".join(block))


def setup_django():
    import django

    django.setup()
    from pharmacies.row_security import operator_process

    operator_process()  # a bench holds the server: every pharmacy (row-level security)


def prepare_database() -> None:
    from django.core.management import call_command

    from pharmacies.models import Pharmacy

    call_command("migrate", verbosity=0)
    Pharmacy.objects.get_or_create(finess=BENCH_FINESS, defaults={"name": "Pharmacie du banc d'essai"})


def empty_claims() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # Only the bench's database: claims and what hangs on them, and the batches.
        cursor.execute(
            "TRUNCATE claims_claim, claims_returnline, claims_importbatch RESTART IDENTITY CASCADE"
        )
        cursor.execute("VACUUM ANALYZE claims_claim")


def raw_copy(path: Path) -> float:
    """Seconds to COPY the file's bytes into a bare text table (PostgreSQL parses the CSV)."""
    from django.db import connection

    columns = HEADER.strip().split(";")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_claims")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_raw_claims ({', '.join(c + ' text' for c in columns)})")
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.copy("COPY bench_raw_claims FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)") as copy,
        open(path, "rb") as stream,
    ):
        while chunk := stream.read(1024 * 1024):
            copy.write(chunk)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_raw_claims")
        copied = cursor.fetchone()[0]
    return elapsed, copied


def table_floor() -> float:
    """Seconds for PostgreSQL alone to put the raw-copied rows into `claims_claim`.

    One `INSERT … SELECT` with the casts done in SQL, then the commit (where the
    deferred foreign-key checks run): the cost of the table's indexes and
    foreign keys, with no Python, no checks and no upsert. No import can be
    faster than this on the same server.
    """
    from django.db import connection, transaction

    from pharmacies.models import Pharmacy

    empty_claims()
    pharmacy = Pharmacy.objects.get(finess=BENCH_FINESS)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_importbatch (pharmacy_id, kind, file_format, file_name, sha256,"
            " size_bytes, status, progress, counts, errors, created_at)"
            " VALUES (%s, 'claims', 'bench', 'floor', 'floor', 0, 'pending', 0, '{}', '[]', now())"
            " RETURNING id",
            [pharmacy.pk],
        )
        batch_id = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO claims_claim (
                pharmacy_id, invoice_number, payer_kind, organism_id, lot_number, care_date,
                transmission_date, patient_name, nir, nir_key, birth_rank, amount_claimed,
                amount_paid, operator_code, prescriber_rpps, status, import_batch_id,
                created_at, updated_at)
            SELECT %s, r.facture, r.payeur, o.id, r.lot, to_date(r.date_soins, 'DD/MM/YYYY'),
                   to_date(r.date_transmission, 'DD/MM/YYYY'), r.patient, substr(r.nir, 1, 13),
                   substr(r.nir, 14, 2), r.rang::smallint, replace(r.montant, ',', '.')::numeric,
                   0, r.operateur, r.prescripteur, 'transmitted', %s, now(), now()
            FROM bench_raw_claims r
            JOIN claims_organism o ON o.kind = r.payeur AND o.code = r.organisme
            """,
            [pharmacy.pk, batch_id],
        )
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_claims")
    return elapsed


def process_cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a process (the PostgreSQL backend runs on this machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_import(path: Path, chunk_rows: int | None = None) -> None:
    """In a fresh process: one import, then its time and peak RSS as JSON on stdout."""
    setup_django()
    if chunk_rows:
        from claims.imports import claims_sql

        claims_sql.CHUNK_ROWS = chunk_rows
    from django.db import connection

    from claims.imports.services import import_file_run
    from pharmacies.models import Pharmacy

    empty_claims()
    pharmacy = Pharmacy.objects.get(finess=BENCH_FINESS)
    # Where the time goes: the upsert into claims_claim, the other SQL (checks,
    # organisms), the commit (PostgreSQL runs the deferred foreign-key checks
    # there), and the rest = waiting for the parser (which runs in a thread,
    # overlapping the SQL) and COPY into the staging table. On a shared machine
    # the CPU seconds of both processes (this one, its PostgreSQL backend) are
    # the steadier figure.
    phases = {"upsert": 0.0, "other_sql": 0.0, "commit": 0.0}

    def timed_sql(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = "upsert" if "INSERT INTO claims_claim" in sql else "other_sql"
            phases[key] += time.perf_counter() - started

    connection.ensure_connection()
    raw_commit = connection.connection.commit

    def timed_commit():
        started = time.perf_counter()
        try:
            return raw_commit()
        finally:
            phases["commit"] += time.perf_counter() - started

    connection.connection.commit = timed_commit
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    backend_before = process_cpu_seconds(backend)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with connection.execute_wrapper(timed_sql):
        batch = import_file_run(pharmacy=pharmacy, path=path, commit=True, max_bytes=10**12)
    elapsed = time.perf_counter() - started
    backend_cpu = process_cpu_seconds(backend) - backend_before
    usage = resource.getrusage(resource.RUSAGE_SELF)
    python_cpu = (usage.ru_utime + usage.ru_stime) - (usage_before.ru_utime + usage_before.ru_stime)
    phases["parse_and_copy"] = elapsed - sum(phases.values())
    print(json.dumps({
        "status": batch.status,
        "rows": batch.counts.get("rows"),
        "created": batch.counts.get("created"),
        "problems": batch.counts.get("problems"),
        "first_error": batch.errors[:1],
        "seconds": elapsed,
        "phases_s": {key: round(value, 1) for key, value in phases.items()},
        "python_cpu_s": round(python_cpu, 1),
        "backend_cpu_s": round(backend_cpu, 1),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "rss_before_mb": rss_before / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def run_child(path: Path, chunk_rows: int | None = None) -> dict:
    extra = ["--chunk-rows", str(chunk_rows)] if chunk_rows else []
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(path), *extra], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    ram_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(ram_kb / 1024 / 1024, 1), "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rss-rows", type=int, default=250_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/import_bench"))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chunk-rows", type=int, nargs="*", default=[],
                        help="only time the import of --rss-rows rows at each of these chunk sizes")
    args = parser.parse_args()
    if args.child:
        child_import(args.child, args.chunk_rows[0] if args.chunk_rows else None)
        return

    setup_django()
    prepare_database()
    args.dir.mkdir(parents=True, exist_ok=True)
    big, small = args.dir / f"factures-{args.rows}.csv", args.dir / f"factures-{args.rss_rows}.csv"
    for path, rows in ((big, args.rows), (small, args.rss_rows)):
        if not path.exists():
            started = time.perf_counter()
            write_claims_file(path, rows)
            print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s", flush=True)

    if args.chunk_rows:  # sizing the claims import's chunks
        for chunk_rows in args.chunk_rows:
            run = run_child(small, chunk_rows)
            print(json.dumps({"chunk_rows": chunk_rows, "rows": args.rss_rows,
                              "rows_per_s": round(args.rss_rows / run["seconds"]), **run}), flush=True)
        return

    raw_seconds, copied = raw_copy(big)
    print(f"raw COPY: {copied} rows in {raw_seconds:.2f} s = {copied / raw_seconds:,.0f} rows/s", flush=True)
    floor_seconds = table_floor()
    print(f"table floor: {copied / floor_seconds:,.0f} rows/s", flush=True)
    small_run = run_child(small)
    print(f"import {args.rss_rows}: {small_run}", flush=True)
    big_run = run_child(big)
    print(f"import {args.rows}: {big_run}", flush=True)
    assert big_run["status"] == "committed" and big_run["created"] == args.rows, big_run

    end_to_end = args.rows / big_run["seconds"]
    raw = copied / raw_seconds
    print(json.dumps({
        "machine": machine(),
        "rows": args.rows,
        "file_mb": round(big.stat().st_size / 1e6),
        "raw_copy_rows_per_s": round(raw),
        "end_to_end_rows_per_s": round(end_to_end),
        "ratio": round(end_to_end / raw, 3),
        "table_floor_rows_per_s": round(copied / floor_seconds),
        "ratio_to_table_floor": round(end_to_end / (copied / floor_seconds), 3),
        "end_to_end_seconds": round(big_run["seconds"], 1),
        "phases_s": big_run["phases_s"],
        "python_cpu_s": big_run["python_cpu_s"],
        "backend_cpu_s": big_run["backend_cpu_s"],
        "import_load_average": big_run["load_average"],
        "load_average": os.getloadavg(),
        "peak_rss_mb": {args.rss_rows: round(small_run["peak_rss_mb"]), args.rows: round(big_run["peak_rss_mb"])},
    }, indent=2))


if __name__ == "__main__":
    main()
