"""The two xlsx writers alone on this machine: N rows x 16 plain values, no database.

    .venv/bin/python bench/xlsx_writers.py [rows]      # default 100,000

Each writer runs in a fresh process (its peak RSS is its own) on the same
rows, generated as they are written (the rows themselves take no memory):
- openpyxl write-only mode, plain values, no style (its floor; set
  OPENPYXL_LXML=False to compare without lxml);
- XlsxWriter constant_memory mode, `write_row`, no format;
- XlsxWriter as core/xlsx.py uses it: column formats (dates, money),
  frozen header, auto-filter.
Prints CPU time (`time.process_time`), wall time, peak RSS and the load average:
on a shared machine the CPU time is the figure to compare.
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
from decimal import Decimal

WRITERS = ("openpyxl", "xlsxwriter", "xlsxwriter-formats")


def rows(count: int):
    rejected, transmitted = dt.date(2026, 10, 5), dt.date(2026, 10, 1)
    for i in range(count):
        yield (rejected, f"{100000000 + i}", "AMO", "CPAM DU RHONE", "0450 072",
               "Droits non ouverts", "Droits du patient", "Oui", "OP1", transmitted,
               Decimal("32.50"), "À traiter", "Pharmacie", Decimal("0.00"), None, "")


def write_openpyxl(count: int, target) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet("Rejets")
    for row in rows(count):
        worksheet.append(row)
    workbook.save(target)


def write_xlsxwriter(count: int, target, *, formats: bool) -> None:
    from xlsxwriter import Workbook

    workbook = Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                 "strings_to_urls": False})
    worksheet = workbook.add_worksheet("Rejets")
    if formats:
        date = workbook.add_format({"num_format": "DD/MM/YYYY"})
        money = workbook.add_format({"num_format": '#,##0.00 "€"'})
        for index in range(16):
            kind = {0: date, 9: date, 14: date, 10: money, 13: money}.get(index)
            worksheet.set_column(index, index, 14, kind)
        worksheet.freeze_panes(1, 0)
        header = workbook.add_format({"bold": True})
        worksheet.write_row(0, 0, [f"Colonne {i}" for i in range(16)], header)
    else:
        # Without a format a date is a bare number; give the writer one so the file is right.
        worksheet.set_column(0, 0, 14, workbook.add_format({"num_format": "DD/MM/YYYY"}))
    for number, row in enumerate(rows(count), start=1):
        worksheet.write_row(number, 0, row)
    if formats:
        worksheet.autofilter(0, 0, count, 15)
    workbook.close()


def measure(writer: str, count: int) -> dict:
    with tempfile.TemporaryFile() as target:
        start, start_cpu = time.perf_counter(), time.process_time()
        if writer == "openpyxl":
            write_openpyxl(count, target)
        else:
            write_xlsxwriter(count, target, formats=writer == "xlsxwriter-formats")
        cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
        size = target.seek(0, os.SEEK_END)
    return {"writer": writer, "rows": count, "cpu": cpu, "wall": wall, "kb": size // 1024,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load": os.getloadavg()[0]}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] in WRITERS:
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    for writer in WRITERS:
        out = subprocess.run([sys.executable, __file__, writer, str(count)], check=True,
                             capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        print(f"{writer:>19}: {result['rows']} rows x 16 in {result['cpu']:.2f} s CPU "
              f"({result['wall']:.2f} s wall), {result['kb']} KB, "
              f"peak RSS {result['peak_rss_mb']:.0f} MB, "
              f"load {result['load']:.1f}")


if __name__ == "__main__":
    main()
