"""Where one pharmacy's night goes, statement by statement (backend CPU and wall).

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/bo_matching_bench \\
        .venv/bin/python bench/night_profile.py --claims 40000 --pharmacies 25 --profile 3

Builds the data of `bench/matching_bench.py` (`--pharmacies` pharmacies of
`--claims` claims each), then runs the night of the first `--profile`
pharmacies one after the other on one connection, timing every statement
(`connection.execute_wrapper`) with the CPU seconds its PostgreSQL backend
spent (`/proc/<pid>/stat`). Prints the statements, costliest first.

DESTRUCTIVE, as `matching_bench.py`: it empties the matching tables.
"""

from __future__ import annotations

import argparse
import collections
import time

import matching_bench as bench  # sets Django up, as operators' scope
from django.db import connection

from pharmacies.row_security import database_scope
from tiers_payant.night import nightly_steps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=40_000, help="claims per pharmacy")
    parser.add_argument("--pharmacies", type=int, default=1)
    parser.add_argument("--profile", type=int, default=1, help="pharmacies whose night is profiled")
    args = parser.parse_args()

    bench.reset()
    ids = bench.build([args.claims] * args.pharmacies)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    spent = collections.defaultdict(lambda: [0, 0.0, 0.0])  # calls, wall, backend CPU

    def timed(execute, sql, params, many, context):
        cpu, began = bench.process_cpu_seconds(backend), time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            row = spent[" ".join(sql.split())[:140]]
            row[0] += 1
            row[1] += time.perf_counter() - began
            row[2] += bench.process_cpu_seconds(backend) - cpu

    cpu, began = bench.process_cpu_seconds(backend), time.perf_counter()
    with connection.execute_wrapper(timed):
        for pharmacy_id in ids[: args.profile]:
            with database_scope([pharmacy_id]):  # as the Celery task
                nightly_steps(pharmacy_id=pharmacy_id, day=bench.NIGHT)
    print(f"{args.profile} night(s): {time.perf_counter() - began:.2f} s wall, "
          f"{bench.process_cpu_seconds(backend) - cpu:.2f} s backend CPU")
    for sql, (calls, wall, cpu) in sorted(spent.items(), key=lambda item: -item[1][2])[:20]:
        print(f"{cpu:7.2f} s CPU {wall:7.2f} s wall  x{calls:<3} {sql}")


if __name__ == "__main__":
    main()
