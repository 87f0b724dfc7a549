"""Cost of the audit trail's triggers: the same import and the same night, with and without them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bo_audit_bench \\
        .venv/bin/python bench/audit_bench.py --rows 200000 --claims 100000 --repeat 3

On this shared machine two runs of `import_bench.py` or `matching_bench.py` a few
minutes apart differ by up to 2× (other people's load), which hides a 10–30 %
cost. Here each measure alternates the trigger modes in one process, one
database and on identical data, repeat after repeat, so their ratio means
something. Modes (set by DDL on the tracked tables, in this database only):

- `off`: no audit trigger (`ALTER TABLE … DISABLE TRIGGER USER`); the jobs'
  pghistory context is still injected, as in production;
- `statement`: the audit trail as migrated (statement-level triggers);
- `row`: the same events written by pghistory's row-level triggers instead
  (the night only: the choice of level);
- `claim_inserts`: as migrated plus an insert event per claim (the import
  only: the choice not to record the creation of claims).

The import is `import_file_run(commit=True)` of a `--rows` claims file (the
import bench's writer) into an emptied claims table; the night is the matching
bench's data set of `--claims` claims, built afresh before each night, then
`nightly_steps` for every pharmacy on 2 processes. DESTRUCTIVE: give it a
database of its own (it is migrated, then emptied at each step).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # a development run (the settings fail closed)

import django  # noqa: E402

django.setup()
from pharmacies.row_security import operator_process  # noqa: E402

operator_process()  # a bench holds the server: every pharmacy (row-level security)

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

import matching_bench  # noqa: E402
import pghistory  # noqa: E402
import pgtrigger  # noqa: E402
from django.db import connection  # noqa: E402
from import_bench import BENCH_FINESS, write_claims_file  # noqa: E402

from audit.tracking import _StatementEvent, event_model_for  # noqa: E402
from claims.imports.services import import_file_run  # noqa: E402
from claims.models import Claim, ImportBatch  # noqa: E402
from pharmacies.models import Pharmacy  # noqa: E402

AUDIT_EVENTS = [(model, trigger) for model, trigger in pgtrigger.registered()
                if isinstance(trigger, pghistory.trigger.Event)]
TRACKED_TABLES = sorted({model._meta.db_table for model, _ in AUDIT_EVENTS})


def sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _row_level(model, trigger) -> pghistory.trigger.Event:
    return pghistory.trigger.Event(
        event_model=trigger.event_model, label=trigger.label, name=f"{trigger.name}_row",
        row=trigger.row, operation=trigger.operation, condition=trigger.condition,
        level=pgtrigger.Row,
    )


def _claim_inserts() -> pghistory.trigger.Event:
    return _StatementEvent(
        event_model=event_model_for(Claim), label="insert", name="bench_claim_insert", row="NEW",
        operation=pgtrigger.Insert, level=pgtrigger.Statement,
    )


class Mode:
    """Install a trigger mode on entry, put the migrated triggers back on exit."""

    def __init__(self, name: str):
        self.name = name
        self.extra = []
        if name == "row":
            self.extra = [(model, _row_level(model, t)) for model, t in AUDIT_EVENTS]
        elif name == "claim_inserts":
            self.extra = [(Claim, _claim_inserts())]

    def __enter__(self):
        if self.name in ("off", "row"):
            for table in TRACKED_TABLES:
                sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for model, trigger in self.extra:
            sql(trigger.compile(model).install_sql)
        return self

    def __exit__(self, *exc):
        for model, trigger in self.extra:
            sql(trigger.compile(model).uninstall_sql)
        for table in TRACKED_TABLES:
            sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def empty_audit_tables() -> None:
    tables = [event_model_for(model)._meta.db_table for model in {m for m, _ in AUDIT_EVENTS}]
    sql("TRUNCATE " + ", ".join(tables))


def import_once(path: Path, mode: str) -> dict:
    sql("TRUNCATE claims_claim, claims_returnline, claims_importbatch RESTART IDENTITY CASCADE")
    empty_audit_tables()
    sql("CHECKPOINT")
    pharmacy, _ = Pharmacy.objects.get_or_create(finess=BENCH_FINESS, defaults={"name": "Bench import"})
    with Mode(mode):
        began = time.perf_counter()
        batch = import_file_run(pharmacy=pharmacy, path=path, commit=True)
        seconds = time.perf_counter() - began
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors[:3]
    return {"bench": "import", "mode": mode, "seconds": round(seconds, 2),
            "claim_events": event_model_for(Claim).objects.count()}


def night_once(claims: int, mode: str) -> dict:
    matching_bench.reset()
    empty_audit_tables()
    pharmacies = max(1, round(claims / matching_bench.CLAIMS_PER_PHARMACY))
    sizes = [claims // pharmacies] * pharmacies
    sizes[-1] += claims - sum(sizes)
    with Mode("off"):  # the build is not what is measured
        ids = matching_bench.build(sizes)
    with Mode(mode):
        seconds = matching_bench.night(ids, 2)["night_s"]
    counts = {}
    for model in (Claim, *{m for m, _ in AUDIT_EVENTS} - {Claim}):
        counts[model.__name__] = event_model_for(model).objects.count()
    return {"bench": "night", "mode": mode, "seconds": round(seconds, 2),
            "events": {k: v for k, v in counts.items() if v}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/import_bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"factures-{args.rows}.csv"
    if not path.exists():
        write_claims_file(path, args.rows)
    results = []
    for repeat in range(args.repeat):
        # Rotate the order, so no mode always runs first (a warmer or a quieter machine).
        for mode in (["off", "statement", "claim_inserts"] * 2)[repeat % 3:][:3]:
            results.append(import_once(path, mode) | {"load": os.getloadavg()[0]})
            print(json.dumps(results[-1]), flush=True)
        for mode in (["off", "statement", "row"] * 2)[repeat % 3:][:3]:
            results.append(night_once(args.claims, mode) | {"load": os.getloadavg()[0]})
            print(json.dumps(results[-1]), flush=True)
    summary = {}
    for bench in ("import", "night"):
        runs = [r for r in results if r["bench"] == bench]
        medians = {mode: statistics.median(r["seconds"] for r in runs if r["mode"] == mode)
                   for mode in dict.fromkeys(r["mode"] for r in runs)}
        summary[bench] = {mode: {"median_s": m, "vs_off": round(m / medians["off"], 2)}
                          for mode, m in medians.items()}
    print(json.dumps({"rows": args.rows, "claims": args.claims, "repeat": args.repeat,
                      "summary": summary, "load_average": os.getloadavg()}, indent=2))


if __name__ == "__main__":
    main()
