"""Entry point shared by `python -m synthetic` and `manage.py generate_data`."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from datetime import date, timedelta
from multiprocessing import get_context

from core.periods import add_months, parse_month

from .calendar import BankCalendar
from .generator import PharmacyGenerator, month_end, outages_for
from .population import make_pharmacy

# The default period ends here rather than "last month" so the output never
# depends on the day it is generated.
DEFAULT_END_MONTH = "2025-09"


def month_list(*, months: int, start: str | None) -> list[tuple[int, int]]:
    if start is None:
        first = add_months(parse_month(DEFAULT_END_MONTH), -(months - 1))
    else:
        first = parse_month(start)
    return [(m.year, m.month) for m in (add_months(first, i) for i in range(months))]


def _one_pharmacy(args: tuple) -> tuple[dict, dict]:
    seed, index, months, scale, out = args
    calendar = BankCalendar(date(months[0][0], months[0][1], 1) - timedelta(days=60),
                            month_end(*months[-1]) + timedelta(days=400))
    outages = outages_for(seed, months, calendar)
    pharmacy = make_pharmacy(seed, index, scale=scale)
    generator = PharmacyGenerator(pharmacy, seed=seed, months=months, scale=scale,
                                  calendar=calendar, outages=outages, out=out)
    totals: dict[str, int] = {}
    for mi in range(len(months)):
        for key, value in generator.run_month(mi).items():
            totals[key] = totals.get(key, 0) + value
    return pharmacy.as_json(), totals


def generate(*, seed: int, pharmacies: int, months: int, out: str, start: str | None = None,
             scale: float = 1.0, jobs: int = 1) -> dict:
    """Write the whole data set under `out`; return totals and the elapsed time."""
    os.makedirs(out, exist_ok=True)
    period = month_list(months=months, start=start)
    began = time.perf_counter()
    totals: dict[str, int] = {}
    tasks = [(seed, index, period, scale, out) for index in range(pharmacies)]
    with open(os.path.join(out, "pharmacies.json"), "w", encoding="utf-8") as listing:
        listing.write("[")
        pool = get_context("fork").Pool(jobs) if jobs > 1 else None
        results: Iterator[tuple[dict, dict]] = (
            pool.imap(_one_pharmacy, tasks) if pool else map(_one_pharmacy, tasks)
        )
        for n, (entry, counts) in enumerate(results):
            listing.write(("\n" if n == 0 else ",\n") + json.dumps(entry, ensure_ascii=False))
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
        if pool is not None:
            pool.close()
            pool.join()
        listing.write("\n]\n")
    (y0, m0), (y1, m1) = period[0], period[-1]
    return {"pharmacies": pharmacies, "months": months,
            "period": f"{y0:04d}-{m0:02d}..{y1:04d}-{m1:02d}",
            "seconds": round(time.perf_counter() - began, 2), **totals}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pharmacies", type=int, default=1)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--start", default=None,
                        help="first month YYYY-MM "
                        f"(default: the months ending {DEFAULT_END_MONTH})")
    parser.add_argument("--size", type=float, default=1.0,
                        help="scale of the dispensations per month (0.1 for fast tests)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m synthetic", description=__doc__)
    add_arguments(parser)
    a = parser.parse_args(argv)
    summary = generate(seed=a.seed, pharmacies=a.pharmacies, months=a.months, out=a.out,
                       start=a.start, scale=a.size, jobs=a.jobs)
    print(json.dumps(summary))
