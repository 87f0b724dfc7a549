"""Benchmark of the nightly matching: set-based night vs a naive per-row ORM version.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bo_matching_bench \\
        .venv/bin/python bench/matching_bench.py --claims 250000 500000 1000000

For each size: a fresh data set is built in SQL (claims, their returns, slips,
bank credits with card noise; ~2.5 % rejected, ~2.5 % silent, 1 % partial,
re-invoices of half the rejections), ANALYZEd, then the night runs for every
pharmacy on `--workers` processes (the Celery fan-out, one task per pharmacy).
In the same run the naive implementation (per return line: look the claim up,
save it, create the rejection; per credit: look slips up; per claim: look for
a return) processes a `--naive-claims` sample pharmacy. Prints JSON lines,
with the night's wall time and the CPU seconds of its PostgreSQL backends
(`backend_cpu_s`, the steadier figure on a shared machine) and workers.

DESTRUCTIVE: it empties the matching tables of the database it is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # a development run (the settings fail closed)

import django  # noqa: E402

django.setup()
from pharmacies.row_security import operator_process  # noqa: E402

operator_process()  # a bench holds the server: every pharmacy (row-level security)

from django.db import connection, connections  # noqa: E402

from pharmacies.row_security import database_scope  # noqa: E402
from tiers_payant.night import nightly_steps  # noqa: E402

NIGHT = dt.date(2025, 12, 31)
CLAIMS_PER_PHARMACY = 40_000  # about a year of a large pharmacy
TABLES = (
    "rejections_rejectionevent", "rejections_rejection", "payments_matchproposal",
    "payments_manualdecision", "payments_reconciliation", "payments_bankline",
    "payments_bankstatement", "payments_bankaccount", "claims_returnline",
    "payments_paymentslip", "claims_claim", "claims_importbatch", "pharmacies_jobrun",
    "reports_monthlyclaimcount",
    # the audit trail's event tables (TRUNCATE fires no trigger: they would only grow)
    "claims_claimhistory", "rejections_rejectionhistory", "payments_paymentsliphistory",
    "payments_reconciliationhistory", "payments_manualdecisionhistory",
    "backoffice_delegationrulehistory", "pharmacies_pharmacyhistory",
)


def sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def reset() -> None:
    sql("TRUNCATE " + ", ".join(TABLES) + " CASCADE")
    sql("DELETE FROM rejections_rejectionreason WHERE to_classify")
    sql("DELETE FROM pharmacies_pharmacy WHERE finess LIKE 'B%%'")


def build(sizes: list[int]) -> list[int]:
    """One pharmacy per entry of `sizes` (its number of claims); returns their ids."""
    ids = []
    for n, _size in enumerate(sizes):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO pharmacies_pharmacy (finess, name, city, delegation_mode, created_at)"
                " VALUES (%s, %s, 'Bench', 'total', now()) RETURNING id",
                [f"B{n:08d}", f"Bench {n}"],
            )
            ids.append(cursor.fetchone()[0])
    sql("DROP TABLE IF EXISTS bench_size; CREATE TABLE bench_size (pharmacy_id bigint, n int)")
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_size VALUES (%s, %s)", list(zip(ids, sizes, strict=True)))
    sql(
        """
        DROP TABLE IF EXISTS bench_org;
        CREATE TABLE bench_org AS
        SELECT row_number() OVER (ORDER BY kind, code) - 1 AS k, id, kind, name, code
        FROM (SELECT * FROM claims_organism WHERE kind = 'AMO' ORDER BY code LIMIT 40) a
        UNION ALL
        SELECT row_number() OVER (ORDER BY kind, code) + 39, id, kind, name, code
        FROM (SELECT * FROM claims_organism WHERE kind = 'AMC' ORDER BY code LIMIT 40) b;

        DROP TABLE IF EXISTS bench_reason;
        CREATE TABLE bench_reason AS
        SELECT row_number() OVER (ORDER BY payer_kind, code) - 1 AS r, payer_kind, code
        FROM rejections_rejectionreason WHERE category NOT IN ('recovery', 'silent_unpaid')
          AND NOT to_classify;

        -- claims: hash h drives payer, amount and outcome
        INSERT INTO claims_claim
            (pharmacy_id, invoice_number, payer_kind, organism_id, lot_number, care_date,
             transmission_date, patient_name, nir, nir_key, amount_claimed, amount_paid,
             operator_code, prescriber_rpps, status, created_at, updated_at)
        SELECT s.pharmacy_id, (100000000 + i)::text, o.kind, o.id, '',
               date '2025-01-02' + (i::bigint * 330 / s.n)::int,
               date '2025-01-02' + (i::bigint * 330 / s.n)::int + 1,
               'PATIENT ' || i, '1' || lpad(((i::bigint * 7919) % 999999999999)::text, 12, '0'),
               '00', 5 + (h % 9000) / 100.0, 0, 'OP' || (h % 7), '', 'transmitted', now(), now()
        FROM bench_size s, generate_series(0, s.n - 1) i,
             LATERAL (SELECT (i::bigint * 2654435761 + s.pharmacy_id * 97) % 1000003 AS h) hh
        JOIN bench_org o ON o.k = (hh.h / 7) % 80;

        -- re-invoices of half the rejected claims, sent 10 days later
        INSERT INTO claims_claim
            (pharmacy_id, invoice_number, payer_kind, organism_id, lot_number, care_date,
             transmission_date, patient_name, nir, nir_key, amount_claimed, amount_paid,
             operator_code, prescriber_rpps, status, created_at, updated_at)
        SELECT c.pharmacy_id, (500000000 + c.invoice_number::int - 100000000)::text, c.payer_kind,
               c.organism_id, '', c.care_date, c.transmission_date + 10, c.patient_name, c.nir,
               c.nir_key, c.amount_claimed, 0, c.operator_code, '', 'transmitted', now(), now()
        FROM claims_claim c
        WHERE c.invoice_number < '500000000' AND c.nir <> ''
          AND ((c.invoice_number::bigint * 2654435761 + c.pharmacy_id * 97) % 1000003) % 1000 < 12;

        -- returns: rejected (u < 25), silent (25..49: none), partial (50..59), paid
        DROP TABLE IF EXISTS bench_return;
        CREATE TEMP TABLE bench_return AS
        SELECT c.pharmacy_id, c.id AS claim_id, c.invoice_number, c.payer_kind, c.organism_id,
               CASE WHEN x.u < 25 THEN 'REJETE' WHEN x.u < 60 THEN 'PARTIEL' ELSE 'PAYE' END
                   AS status,
               CASE WHEN x.u < 25 THEN NULL WHEN x.u < 60 THEN round(c.amount_claimed * 0.7, 2)
                    ELSE c.amount_claimed END AS amount_paid,
               CASE WHEN x.u < 25 THEN coalesce(
                   (SELECT code FROM bench_reason br WHERE br.payer_kind = c.payer_kind
                    ORDER BY br.r OFFSET (x.h % 5) LIMIT 1), 'X999 999') ELSE '' END
                   AS reject_code,
               CASE WHEN x.u < 25 THEN 'MOTIF' ELSE '' END AS reject_label,
               CASE WHEN x.u >= 25 THEN c.transmission_date + 3 END AS payment_date,
               c.transmission_date + 3 AS return_date
        FROM claims_claim c,
             LATERAL (SELECT h, CASE WHEN c.invoice_number >= '500000000' THEN 999
                                     ELSE h % 1000 END AS u
                      FROM (SELECT (c.invoice_number::bigint * 2654435761 + c.pharmacy_id * 97)
                                   % 1000003 AS h) hh) x
        WHERE x.u < 25 OR x.u >= 50;

        -- one slip per payer and payment day
        INSERT INTO payments_paymentslip
            (pharmacy_id, organism_id, reference, payment_date, total, line_count,
             matched_amount, status, created_at)
        SELECT pharmacy_id, organism_id,
               'RSP' || organism_id || to_char(payment_date, 'YYMMDD'), payment_date,
               sum(amount_paid), count(*), 0, 'unmatched', now()
        FROM bench_return WHERE payment_date IS NOT NULL
        GROUP BY pharmacy_id, organism_id, payment_date;

        -- as the returns import writes them: one committed import per pharmacy, not yet
        -- applied by a night; slip and claim found at insert
        INSERT INTO claims_importbatch
            (pharmacy_id, kind, file_format, file_name, sha256, size_bytes, status, progress,
             counts, errors, created_at, committed_at)
        SELECT pharmacy_id, 'returns', 'returns_csv', 'retours.csv',
               md5('bench' || pharmacy_id) || md5('returns' || pharmacy_id), 0, 'committed', 100,
               '{}', '[]', now(), now()
        FROM bench_size;

        INSERT INTO claims_returnline
            (pharmacy_id, invoice_number, payer_kind, organism_id, status, amount_paid,
             reject_code, reject_label, slip_id, claim_id, payment_date, return_date,
             import_batch_id, created_at)
        SELECT r.pharmacy_id, r.invoice_number, r.payer_kind, r.organism_id, r.status,
               r.amount_paid, r.reject_code, r.reject_label, s.id, r.claim_id, r.payment_date,
               r.return_date, b.id, now()
        FROM bench_return r
        JOIN claims_importbatch b ON b.pharmacy_id = r.pharmacy_id AND b.kind = 'returns'
        LEFT JOIN payments_paymentslip s
          ON s.pharmacy_id = r.pharmacy_id AND s.organism_id = r.organism_id
         AND s.payment_date = r.payment_date
        ORDER BY r.pharmacy_id, r.claim_id;

        INSERT INTO payments_bankaccount (pharmacy_id, account_id, label, currency)
        SELECT pharmacy_id, 'FR76' || pharmacy_id, 'Compte', 'EUR' FROM bench_size;

        -- one credit per slip, a day later half the time; 1 payer in 5 gives no name
        INSERT INTO payments_bankline
            (pharmacy_id, account_id, natural_key, booking_date, amount, label, bank_reference,
             details, matched_amount, status, created_at, kind, kind_source)
        SELECT s.pharmacy_id, a.id, 'S' || s.id, s.payment_date + (s.id % 2)::int, s.total,
               CASE WHEN o.k % 5 = 4
                    THEN 'VIR ' || right(regexp_replace(o.code, '[^0-9]', '', 'g'), 9) || s.id
                    ELSE left('VIR SEPA RECU /DE ' || upper(o.name), 31) END,
               'S' || s.id,
               CASE WHEN o.k % 5 = 4 THEN '{}'::jsonb
                    ELSE jsonb_build_object('NPY', upper(o.name)) END,
               0, 'unmatched', now(), '', ''
        FROM payments_paymentslip s
        JOIN bench_org o ON o.id = s.organism_id
        JOIN payments_bankaccount a ON a.pharmacy_id = s.pharmacy_id;

        -- card settlements: credits that pay no slip
        INSERT INTO payments_bankline
            (pharmacy_id, account_id, natural_key, booking_date, amount, label, bank_reference,
             details, matched_amount, status, created_at, kind, kind_source)
        SELECT a.pharmacy_id, a.id, 'CB' || a.pharmacy_id || '-' || d, date '2025-01-02' + d,
               100 + (d * 7919 % 300000) / 100.0, 'REMISE CB ' || d, '', '{}'::jsonb, 0,
               'unmatched', now(), '', ''
        FROM payments_bankaccount a, generate_series(0, 330) d;
        """
    )
    # The night runs hours after the imports: autovacuum has been by, and the
    # night is not billed for the imports' checkpoint.
    sql("VACUUM ANALYZE")
    sql("CHECKPOINT")
    return ids


def process_cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a process (the PostgreSQL backends run on this machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def night_worker(pharmacy_ids: list[int]) -> tuple[float, float]:
    """Runs the night of these pharmacies; returns (its backend's, its own) CPU seconds."""
    connections.close_all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    backend_before, own_before = process_cpu_seconds(backend), time.process_time()
    for pharmacy_id in pharmacy_ids:
        with database_scope([pharmacy_id]):  # as the Celery task (@pharmacy_task)
            nightly_steps(pharmacy_id=pharmacy_id, day=NIGHT)
    cpu = (process_cpu_seconds(backend) - backend_before, time.process_time() - own_before)
    connections.close_all()
    return cpu


SERVER_PROCESSES = ("checkpointer", "background writer", "walwriter", "autovacuum")


def server_cpu_seconds() -> float:
    """CPU seconds of the server's own processes (checkpoints, WAL writing, autovacuum)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            title = (entry / "cmdline").read_bytes().decode(errors="replace")
            if title.startswith("postgres:") and any(name in title for name in SERVER_PROCESSES):
                total += process_cpu_seconds(int(entry.name))
        except (OSError, ValueError):
            continue  # not a process, or gone meanwhile
    return total


def server_counters() -> tuple[int, int]:
    """WAL bytes written and checkpoints done since the server's statistics were reset."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT wal_bytes FROM pg_stat_wal)::bigint,"
                       " (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)")
        return cursor.fetchone()


def night(pharmacy_ids: list[int], workers: int) -> dict:
    """Wall seconds of the night; CPU seconds of its backends, its workers and the server.

    On a machine shared with other people's work, the CPU seconds are the
    steadier figure: wall time also counts the waits for a core. The server's
    own processes (checkpointer, WAL writer) take the rest of the two cores.
    """
    wal_before, checkpoints_before = server_counters()
    connections.close_all()
    shares = [pharmacy_ids[i::workers] for i in range(workers)]
    server_before, began = server_cpu_seconds(), time.perf_counter()
    with get_context("fork").Pool(workers) as pool:
        cpus = pool.map(night_worker, shares)
    seconds, server_cpu = time.perf_counter() - began, server_cpu_seconds() - server_before
    wal_after, checkpoints_after = server_counters()
    return {
        "night_s": round(seconds, 2), "backend_cpu_s": round(sum(c[0] for c in cpus), 1),
        "worker_cpu_s": round(sum(c[1] for c in cpus), 1), "server_cpu_s": round(server_cpu, 1),
        "wal_mb": round((wal_after - wal_before) / 2**20),
        "checkpoints": checkpoints_after - checkpoints_before,
    }


def count(table: str, where: str = "TRUE") -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}")
        return cursor.fetchone()[0]


def naive_night(pharmacy_id: int) -> float:
    """The obvious per-row ORM code, for comparison (same outcome on this data)."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from claims.models import Claim, ImportBatch, ReturnLine
    from payments.models import BankLine, PaymentSlip, Reconciliation
    from rejections.models import Rejection, RejectionEvent, RejectionReason

    began = time.perf_counter()
    batches = ImportBatch.objects.filter(pharmacy_id=pharmacy_id, kind="returns",
                                         status="committed", applied_at__isnull=True)
    to_apply = ReturnLine.objects.filter(Q(import_batch__in=batches) | Q(claim__isnull=True),
                                         pharmacy_id=pharmacy_id)
    for line in to_apply:
        with transaction.atomic():
            claim = Claim.objects.filter(
                pharmacy_id=pharmacy_id, invoice_number=line.invoice_number,
                payer_kind=line.payer_kind, organism_id=line.organism_id).first()
            if claim is None:
                continue
            if line.claim_id != claim.id:
                line.claim = claim
                line.save()
            if line.status == "REJETE":
                reason, _ = RejectionReason.objects.get_or_create(
                    payer_kind=line.payer_kind, code=line.reject_code,
                    defaults={"label": line.reject_label or line.reject_code,
                              "category": "to_classify", "fault": "unknown", "to_classify": True})
                claim.status = "rejected"
                rejection = Rejection.objects.create(
                    pharmacy_id=pharmacy_id, claim=claim, return_line=line, reason=reason,
                    amount=claim.amount_claimed, rejected_on=line.return_date,
                    claim_sent_on=claim.transmission_date)
                RejectionEvent.objects.create(pharmacy_id=pharmacy_id, rejection=rejection,
                                              kind="opened", to_status="to_handle")
            else:
                claim.amount_paid += line.amount_paid
                claim.status = "paid" if claim.amount_paid >= claim.amount_claimed else "partial"
                claim.paid_date = line.payment_date
            claim.last_return_date = line.return_date
            claim.save()
    batches.update(applied_at=timezone.now())
    for bank_line in BankLine.objects.filter(pharmacy_id=pharmacy_id, status="unmatched",
                                             amount__gt=0):
        candidates = list(PaymentSlip.objects.filter(
            pharmacy_id=pharmacy_id, status="unmatched", total=bank_line.amount,
            payment_date__gte=bank_line.booking_date - dt.timedelta(days=10),
            payment_date__lte=bank_line.booking_date + dt.timedelta(days=3)))
        if len(candidates) == 1:
            slip = candidates[0]
            with transaction.atomic():
                Reconciliation.objects.create(pharmacy_id=pharmacy_id, slip=slip,
                                              bank_line=bank_line, amount=slip.total,
                                              source="auto")
                slip.matched_amount, slip.status = slip.total, "matched"
                slip.save()
                bank_line.matched_amount, bank_line.status = bank_line.amount, "matched"
                bank_line.save()
    for claim in Claim.objects.filter(pharmacy_id=pharmacy_id, status="transmitted"):
        due = claim.transmission_date + dt.timedelta(days=6 + 30)
        if due < NIGHT and not ReturnLine.objects.filter(
                pharmacy_id=pharmacy_id, invoice_number=claim.invoice_number,
                payer_kind=claim.payer_kind).exists():
            claim.status, claim.unpaid_since = "unpaid", due
            claim.save()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, nargs="+", default=[250_000, 500_000, 1_000_000])
    parser.add_argument("--naive-claims", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    naive = None if args.naive_claims else (0, 0, float("nan"))  # 0: no naive sample
    for total in args.claims:
        reset()
        pharmacies = max(1, round(total / CLAIMS_PER_PHARMACY))
        sizes = [total // pharmacies] * pharmacies
        sizes[-1] += total - sum(sizes)
        began = time.perf_counter()
        # The naive sample runs once, in the first size's data set (it takes minutes).
        ids = build(sizes + ([args.naive_claims] if naive is None else []))
        build_seconds = time.perf_counter() - began
        night_ids, naive_id = (ids[:-1], ids[-1]) if naive is None else (ids, 0)
        returns = count("claims_returnline", f"pharmacy_id <> {naive_id}")
        load_before = os.getloadavg()[0]
        figures = night(night_ids, args.workers)
        load_after = os.getloadavg()[0]
        if naive is None:
            naive_returns = count("claims_returnline", f"pharmacy_id = {naive_id}")
            naive = (count("claims_claim", f"pharmacy_id = {naive_id}"), naive_returns,
                     naive_night(naive_id))
        naive_claims, naive_returns, naive_seconds = naive
        result = {
            "claims": count("claims_claim", f"pharmacy_id <> {naive_id}"),
            "pharmacies": len(night_ids), "returns": returns,
            "bank_lines": count("payments_bankline", f"pharmacy_id <> {naive_id}"),
            "build_s": round(build_seconds, 1), **figures,
            "returns_per_s": round(returns / figures["night_s"]),
            "load_average": [round(load_before, 1), round(load_after, 1)],
            "auto_links": count("payments_reconciliation", f"pharmacy_id <> {naive_id}"),
            "unlinked_returns": count("claims_returnline",
                                      f"pharmacy_id <> {naive_id} AND claim_id IS NULL"),
            "naive_claims": naive_claims,
            "naive_returns": naive_returns, "naive_s": round(naive_seconds, 2),
            "naive_returns_per_s": round(naive_returns / naive_seconds) if naive_returns else None,
        }
        if result["naive_returns_per_s"]:
            result["ratio"] = round(result["returns_per_s"] / result["naive_returns_per_s"], 1)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
