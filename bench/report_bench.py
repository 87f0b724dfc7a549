"""Monthly report and Excel export benchmarks (docs/benchmarks.md, "## Reports").

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/bo_reports_bench \
        .venv/bin/python bench/report_bench.py [pdf] [excel]

Builds (once) a pharmacy with a 5,000-claim month and one with 100,000
rejections, then measures each step in a fresh process so that the peak RSS
is that of the step (Django + WeasyPrint/the xlsx writer + the work), not of
the set-up. The application role is an ordinary one: every step runs in the
operators' scope (row-level security), as a management command would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # a development run (the settings fail closed)
MONTH = dt.date(2026, 10, 1)
LARGE_FINESS, EXPORT_FINESS = "690099991", "690099983"


def django_setup():
    import django

    django.setup()
    from pharmacies.row_security import operator_process

    operator_process()  # a bench holds the server: every pharmacy (row-level security)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup() -> None:
    from django.core.management import call_command
    from django.db import connection

    from pharmacies.models import Pharmacy
    from tests.reports.dataset import build_month

    call_command("migrate", verbosity=0)
    if not Pharmacy.objects.filter(finess=LARGE_FINESS).exists():
        large = Pharmacy.objects.create(finess=LARGE_FINESS, name="Grande Pharmacie du Bench")
        # Eight operators, 5,000 claims in the month, one error-prone; 11 months of history.
        operators = {f"OP{i}": (625, 0.02) for i in range(8)}
        operators["OP3"] = (625, 0.12)
        build_month(pharmacy=large, month=MONTH, operators=operators, error_prone="OP3", history_months=11)
    if not Pharmacy.objects.filter(finess=EXPORT_FINESS).exists():
        export = Pharmacy.objects.create(finess=EXPORT_FINESS, name="Pharmacie de l'Export")
        build_month(pharmacy=export, month=MONTH, operators={"OPX": (100_000, 1.0)}, error_prone="OPX",
                    history_months=0)
    # Fresh bulk-loaded tables have no statistics until autovacuum comes by:
    # without them the planner guesses a dozen rows and nests loops over 100,000.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def step_pdf() -> dict:
    from claims.models import Claim
    from pharmacies.models import Pharmacy
    from reports.services import report_pdf_render

    pharmacy = Pharmacy.objects.get(finess=LARGE_FINESS)
    claims = Claim.objects.filter(pharmacy=pharmacy, transmission_date__gte=MONTH,
                                  transmission_date__lt=dt.date(2026, 11, 1)).count()
    report_pdf_render(pharmacy=pharmacy, month=MONTH)  # warm-up: fonts, template cache
    runs, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = report_pdf_render(pharmacy=pharmacy, month=MONTH)
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"step": "pdf", "claims": claims, "seconds_best": min(runs), "seconds_worst": max(runs),
            "cpu_best": min(cpu), "pdf_kb": len(pdf) // 1024, "peak_rss_mb": peak_rss_mb(),
            "load": os.getloadavg()[0]}


def step_excel(rows: int) -> dict:
    from core.xlsx import write_workbook
    from pharmacies.models import Pharmacy
    from rejections.models import Rejection
    from reports.exports import rejections_sheet

    pharmacy = Pharmacy.objects.get(finess=EXPORT_FINESS)
    # The first `rows` rejections, as a plain range (what a date filter gives in the product).
    last_pk = Rejection.objects.filter(pharmacy=pharmacy).order_by("pk").values_list("pk", flat=True)[rows - 1]
    queryset = Rejection.objects.filter(pharmacy=pharmacy, pk__lte=last_pk)
    before = peak_rss_mb()
    with tempfile.TemporaryFile() as target:
        start, start_cpu = time.perf_counter(), time.process_time()
        write_workbook([rejections_sheet(queryset)], target)
        seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        size = target.tell()
    return {"step": "excel", "rows": queryset.count(), "seconds": seconds, "cpu": cpu,
            "xlsx_kb": size // 1024, "peak_rss_mb": peak_rss_mb(), "peak_rss_before_mb": before,
            "load": os.getloadavg()[0]}


def run_step(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("setup", "pdf", "excel-step"):
        django_setup()
        from pharmacies.row_security import ALL_PHARMACIES, database_scope

        with database_scope(ALL_PHARMACIES):
            run_in_process(sys.argv[1:])
        return
    wanted = set(sys.argv[1:]) or {"pdf", "excel"}
    start = time.perf_counter()
    run_step("setup")
    print(f"set-up: {time.perf_counter() - start:.1f} s")
    if "pdf" in wanted:
        pdf = run_step("pdf")
        print(f"PDF of a {pdf['claims']}-claim month: best {pdf['seconds_best']:.2f} s (CPU "
              f"{pdf['cpu_best']:.2f} s), worst {pdf['seconds_worst']:.2f} s, {pdf['pdf_kb']} KB, "
              f"peak RSS {pdf['peak_rss_mb']:.0f} MB, load {pdf['load']:.1f}")
    if "excel" in wanted:
        for rows in (25_000, 50_000, 100_000):
            excel = run_step("excel-step", str(rows))
            print(f"Excel of {excel['rows']} rejections: {excel['seconds']:.2f} s (CPU {excel['cpu']:.2f} s), "
                  f"{excel['xlsx_kb']} KB, peak RSS {excel['peak_rss_mb']:.0f} MB (before export "
                  f"{excel['peak_rss_before_mb']:.0f} MB), load {excel['load']:.1f}")


def run_in_process(args: list[str]) -> None:
    if args[0] == "setup":
        setup()
        print(json.dumps({"step": "setup"}))
    elif args[0] == "pdf":
        print(json.dumps(step_pdf()))
    elif args[0] == "excel-step":
        print(json.dumps(step_excel(int(args[1]))))


if __name__ == "__main__":
    main()
