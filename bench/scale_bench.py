"""Scale scenario (issue 10): N pharmacies × M months in PostgreSQL, then the night and
the monthly reports for all of them through real Celery workers.

    createdb -h 127.0.0.1 -U postgres scale_bench   # or let the script create it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_bench \\
        .venv/bin/python bench/scale_bench.py --pharmacies 200 --months 12

Phases, in order, each recorded in `<work>/state.json` when it succeeds and
skipped on the next run (so the big database is built once and reused):

- generate: `python -m synthetic` (the project's generator) into `<work>/data`;
- setup:    migrate, collectstatic, `demo_setup` (pharmacies, staff, demo
            logins) and the bench's Backoffice managers (`bench_people_create`);
- load:     `manage.py demo_load` (the import services: parse → COPY into a
            staging table → set-based upsert) on `--jobs` processes, each its
            own share of the pharmacies; then VACUUM ANALYZE and a checkpoint;
- nightly:  2 Celery workers (`-c 1` each) on Redis, the beat task
            `nightly_matching_all` sent once, timed until every pharmacy's
            JobRun is finished; `--nights` consecutive days from `--day`
            (default 2: the first night catches up the whole loaded year, the
            next one, with no new file, is the steady-state cost of a night);
- reports:  2 workers on the `default` and `pdf` queues, `monthly_reports_all`
            sent once, timed until every pharmacy's MonthlyReport is sent;
- size:     `pg_total_relation_size` per table, per million claims.

`--redo PHASE` forgets a phase (and the ones after it); `--only PHASE` runs one;
`--summarise-night DAY` prints the figures of a night from its JobRun rows.
Prints each phase's figures as JSON and writes them to state.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PHASES = ("generate", "setup", "load", "nightly", "reports", "size")
MANAGER_PREFIX = "bench_gestionnaire"


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def last_month_start(months: int, today: dt.date | None = None) -> str:
    """The generated year ends last month, as the demo's does (so "this month" pages have data)."""
    first = (today or dt.date.today()).replace(day=1)
    year, month = first.year, first.month - months
    while month < 1:
        month += 12
        year -= 1
    return f"{year:04d}-{month:02d}"


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.work = Path(args.work).resolve()
        self.data = self.work / "data"
        self.logs = self.work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.state_file = self.work / "state.json"
        self.state = json.loads(self.state_file.read_text()) if self.state_file.exists() else {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tiers_payant.settings",
            "DATABASE_URL": args.database_url,
            "MEDIA_ROOT": str(self.work / "media"),
            # Production-like processes: DEBUG off (no query log kept in memory).
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "scale-bench-" + "k" * 40),
            # The reports' mails go to files: counted, never sent.
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.work / "mail"),
            "CELERY_BROKER_URL": args.redis_url,
            "PYTHONUNBUFFERED": "1",
        }
        os.environ.update({k: self.env[k] for k in (
            "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "MEDIA_ROOT", "DJANGO_DEBUG",
            "DJANGO_SECRET_KEY", "DJANGO_EMAIL_BACKEND", "EMAIL_FILE_PATH", "CELERY_BROKER_URL",
        )})
        self._django = False

    # -- plumbing ---------------------------------------------------------------------
    def django(self) -> None:
        if not self._django:
            sys.path.insert(0, str(ROOT))
            import django

            django.setup()
            from pharmacies.row_security import operator_process

            operator_process()  # a bench holds the server: every pharmacy (row-level security)
            self._django = True

    def save(self, phase: str, figures: dict) -> None:
        figures = {"finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **figures}
        self.state[phase] = figures
        self.state_file.write_text(json.dumps(self.state, indent=2, ensure_ascii=False))
        print(json.dumps({"phase": phase, **figures}, ensure_ascii=False), flush=True)

    def run(self, cmd: list[str], *, log: str) -> None:
        with open(self.logs / log, "ab") as out:
            subprocess.run(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, check=True)

    def manage(self, *args: str, log: str) -> None:
        self.run([PY, "manage.py", *args], log=log)

    def sql(self, statement: str, params=None) -> list[tuple]:
        self.django()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def ensure_database(self) -> None:
        import psycopg

        url = urlparse(self.args.database_url)
        name = url.path.lstrip("/")
        admin = self.args.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')

    # -- phases -----------------------------------------------------------------------
    def generate(self) -> dict:
        started, cpu = time.perf_counter(), os.times()
        cmd = [PY, "-m", "synthetic", "--seed", str(self.args.seed), "--pharmacies", str(self.args.pharmacies),
               "--months", str(self.args.months), "--start", self.args.start, "--jobs", str(self.args.jobs),
               "--out", str(self.data)]
        out = subprocess.run(cmd, cwd=ROOT, env=self.env, check=True, capture_output=True, text=True).stdout
        after = os.times()
        summary = json.loads(out.strip().splitlines()[-1])
        return {"wall_s": round(time.perf_counter() - started, 1),
                "cpu_s": round(after.children_user + after.children_system - cpu.children_user
                               - cpu.children_system, 1),
                "load_avg_end": loadavg(), "summary": summary}

    def setup(self) -> dict:
        started = time.perf_counter()
        self.ensure_database()
        self.manage("migrate", "--noinput", log="setup.log")
        self.manage("collectstatic", "--noinput", log="setup.log")
        self.manage("demo_setup", "--data", str(self.data), log="setup.log")
        self.django()
        managers = bench_people_create(count=self.args.managers)
        return {"wall_s": round(time.perf_counter() - started, 1), "bench_managers": managers}

    def load(self) -> dict:
        finesses = [entry["finess"] for entry in json.loads((self.data / "pharmacies.json").read_text())]
        shares = [finesses[i::self.args.jobs] for i in range(self.args.jobs)]
        started, load_samples = time.perf_counter(), []
        processes = []
        for n, share in enumerate(shares):
            cmd = [PY, "manage.py", "demo_load", "--data", str(self.data)]
            for finess in share:
                cmd += ["--pharmacy", finess]
            log = open(self.logs / f"load-{n}.log", "ab")  # noqa: SIM115 (the subprocess's, closed after it)
            processes.append((subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT), log))
        while any(p.poll() is None for p, _ in processes):
            load_samples.append(loadavg())
            time.sleep(10)
        codes = [p.returncode for p, _ in processes]
        if any(codes):
            raise SystemExit(f"demo_load failed: {codes}, see {self.logs}/load-*.log")
        load_wall = time.perf_counter() - started
        vacuum_started = time.perf_counter()
        self.django()
        from django.db import connection

        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("CHECKPOINT")
        counts = self.counts()
        return {"wall_s": round(load_wall, 1), "vacuum_analyze_s": round(time.perf_counter() - vacuum_started, 1),
                "claims_per_s": round(counts["claims"] / load_wall), "jobs": self.args.jobs,
                "load_avg_mean": round(sum(load_samples) / max(len(load_samples), 1), 2),
                "load_avg_max": max(load_samples, default=0), **counts}

    def counts(self) -> dict:
        tables = {"claims": "claims_claim", "return_lines": "claims_returnline", "bank_lines": "payments_bankline",
                  "slips": "payments_paymentslip", "rejections": "rejections_rejection"}
        return {key: self.sql(f"SELECT count(*) FROM {table}")[0][0] for key, table in tables.items()}

    def workers(self, *, queues: str, name: str, extra: list[str] = ()) -> list[subprocess.Popen]:
        subprocess.run([str(ROOT / ".venv/bin/celery"), "-A", "tiers_payant", "purge", "-f", "-Q", queues],
                       cwd=ROOT, env=self.env, check=True, capture_output=True)
        procs = []
        for n in range(self.args.workers):
            log = open(self.logs / f"{name}-worker{n}.log", "ab")  # noqa: SIM115 (the worker's, closed after it)
            procs.append(subprocess.Popen(
                [str(ROOT / ".venv/bin/celery"), "-A", "tiers_payant", "worker", "-Q", queues, "-c", "1",
                 "-n", f"scale{name}{n}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-l", "INFO", *extra],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        return procs

    @staticmethod
    def stop(procs: list[subprocess.Popen]) -> None:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()

    def _wait(self, *, done, total: int, started: float, timeout: float) -> list[float]:
        samples = []
        while True:
            finished = done()
            samples.append(loadavg())
            if finished >= total:
                return samples
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"timeout: {finished}/{total}")
            time.sleep(2)

    def night(self, day: dt.date) -> dict:

        from pharmacies.models import JobRun, Pharmacy
        from tiers_payant.tasks import nightly_matching_all

        total = Pharmacy.objects.count()
        runs = JobRun.objects.filter(job=JobRun.Job.NIGHTLY, period=day.isoformat())
        if runs.filter(state=JobRun.State.DONE).exists():
            raise SystemExit(f"the night of {day} already ran in this database; pass another --day")
        started, sent_at = time.perf_counter(), dt.datetime.now(dt.UTC)
        nightly_matching_all.delay(day.isoformat())
        samples = self._wait(
            done=lambda: runs.filter(state__in=[JobRun.State.DONE, JobRun.State.FAILED]).count(),
            total=total, started=started, timeout=self.args.timeout)
        return {**self.night_summary(day, sent_at=sent_at),
                "load_avg_mean": round(sum(samples) / len(samples), 2), "load_avg_max": max(samples)}

    def night_summary(self, day: dt.date, *, sent_at: dt.datetime | None = None) -> dict:
        """A night's figures from its JobRun rows (without `sent_at`: from the first start)."""
        self.django()
        from django.db.models import F, Max, Min, Sum

        from pharmacies.models import JobRun, Pharmacy

        total = Pharmacy.objects.count()
        runs = JobRun.objects.filter(job=JobRun.Job.NIGHTLY, period=day.isoformat()).exclude(finished_at=None)
        agg = runs.aggregate(first=Min("started_at"), last=Max("finished_at"),
                             busy=Sum(F("finished_at") - F("started_at")))
        sent_at = sent_at or agg["first"]
        slowest = runs.annotate(took=F("finished_at") - F("started_at")).order_by("-took").first()
        totals: dict[str, int] = {}
        for stats in runs.values_list("stats", flat=True):
            for step, value in stats.items():
                if isinstance(value, dict):
                    for key, number in value.items():
                        if isinstance(number, int | float):
                            totals[f"{step}.{key}"] = totals.get(f"{step}.{key}", 0) + number
                elif isinstance(value, int | float):
                    totals[step] = totals.get(step, 0) + value
        return {"day": day.isoformat(), "pharmacies": total, "runs_finished": runs.count(),
                "failed": runs.filter(state=JobRun.State.FAILED).count(),
                "failures": sorted({error[:160] for error in runs.filter(state=JobRun.State.FAILED)
                                    .values_list("error", flat=True)}),
                "wall_s": round((agg["last"] - sent_at).total_seconds(), 1),
                "worker_busy_s": round(agg["busy"].total_seconds(), 1),
                "mean_pharmacy_s": round(agg["busy"].total_seconds() / max(runs.count(), 1), 1),
                "slowest_pharmacy_s": round((slowest.finished_at - slowest.started_at).total_seconds(), 1),
                "totals": totals}

    def nightly(self) -> dict:
        self.django()
        day = dt.date.fromisoformat(self.args.day) if self.args.day else dt.date.today()
        procs = self.workers(queues="default", name="nightly")
        nights = {}
        try:
            time.sleep(3)
            for n in range(self.args.nights):
                nights[(day + dt.timedelta(days=n)).isoformat()] = self.night(day + dt.timedelta(days=n))
        finally:
            self.stop(procs)
        return {"workers": self.args.workers, "nights": nights}

    def reports(self) -> dict:
        self.django()
        from django.utils import timezone

        from core.periods import previous_month
        from pharmacies.models import Pharmacy
        from reports.models import MonthlyReport
        from reports.tasks import monthly_reports_all

        month = previous_month(timezone.localdate())
        total = Pharmacy.objects.count()
        reports = MonthlyReport.objects.filter(month=month)
        if reports.filter(state=MonthlyReport.State.SENT).exists():
            raise SystemExit(f"reports of {month:%Y-%m} already sent in this database")
        procs = self.workers(queues="default,pdf", name="reports", extra=["--max-tasks-per-child", "50"])
        try:
            time.sleep(3)
            started, sent_at = time.perf_counter(), dt.datetime.now(dt.UTC)
            monthly_reports_all.delay()
            samples = self._wait(
                done=lambda: reports.filter(state__in=[MonthlyReport.State.SENT, MonthlyReport.State.FAILED]).count(),
                total=total, started=started, timeout=self.args.timeout)
        finally:
            self.stop(procs)
        from django.db.models import Max

        last = reports.aggregate(last=Max("generated_at"), sent=Max("sent_at"))
        end = max(t for t in (last["last"], last["sent"]) if t)
        mails = len(list((self.work / "mail").glob("*"))) if (self.work / "mail").exists() else 0
        return {"month": f"{month:%Y-%m}", "pharmacies": total, "workers": self.args.workers,
                "failed": reports.filter(state=MonthlyReport.State.FAILED).count(),
                "wall_s": round((end - sent_at).total_seconds(), 1), "mails_written": mails,
                "load_avg_mean": round(sum(samples) / len(samples), 2), "load_avg_max": max(samples)}

    def size(self) -> dict:
        counts = self.counts()
        rows = self.sql(
            "SELECT relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), pg_indexes_size(c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 2 DESC")
        database = self.sql("SELECT pg_database_size(current_database())")[0][0]
        millions = counts["claims"] / 1e6
        mb = 1024 * 1024
        return {**counts, "database_mb": round(database / mb), "mb_per_million_claims": round(database / mb / millions),
                "tables": [{"table": name, "total_mb": round(total / mb, 1), "heap_mb": round(heap / mb, 1),
                            "indexes_mb": round(indexes / mb, 1),
                            "total_mb_per_million_claims": round(total / mb / millions, 1)}
                           for name, total, heap, indexes in rows if total > mb]}


def bench_people_create(*, count: int) -> list[dict]:
    """Backoffice managers with realistic portfolios: the delegated pharmacies dealt in turn
    to `count` managers (the demo gives one of its two managers nearly all of them).
    Idempotent; each gets the demo password and a confirmed TOTP device."""
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from backoffice.demo import DEMO_PASSWORD
    from backoffice.models import ManagerAssignment
    from pharmacies.models import DelegationMode, Pharmacy, User

    delegated = list(Pharmacy.objects.exclude(delegation_mode=DelegationMode.NONE).order_by("pk"))
    managers = []
    with transaction.atomic():
        for n in range(count):
            user, created = User.objects.get_or_create(
                username=f"{MANAGER_PREFIX}{n + 1:02d}",
                defaults={"kind": User.Kind.MANAGER, "first_name": "Gestionnaire", "last_name": f"Bench {n + 1}",
                          "email": f"{MANAGER_PREFIX}{n + 1:02d}@backoffice.example"})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(user=user, name="Bench", confirmed=True)
            share = delegated[n::count]
            for pharmacy in share:
                ManagerAssignment.objects.get_or_create(manager=user, pharmacy=pharmacy)
            managers.append({"username": user.username, "pharmacies": len(share)})
    return managers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pharmacies", type=int, default=200)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--start", default=None, help="first month AAAA-MM (default: the year ending last month)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default=str(ROOT / ".data" / "scale"), help="data, logs, state.json")
    parser.add_argument("--jobs", type=int, default=2, help="parallel generate/load processes")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (-c 1 each)")
    parser.add_argument("--managers", type=int, default=10, help="bench Backoffice managers")
    parser.add_argument("--day", default=None, help="night to run (default today; the next day runs too)")
    parser.add_argument("--nights", type=int, default=2,
                        help="consecutive nights from --day (the first catches up the loaded files)")
    parser.add_argument("--summarise-night", metavar="DAY",
                        help="print (and keep in state.json) the figures of a night already run")
    parser.add_argument("--redis-url", default=os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--timeout", type=float, default=4 * 3600)
    parser.add_argument("--only", choices=PHASES)
    parser.add_argument("--redo", choices=PHASES, help="forget this phase and the following ones")
    args = parser.parse_args()
    args.database_url = os.environ.get("DATABASE_URL", "")
    if not args.database_url or urlparse(args.database_url).path.lstrip("/") in {"", "postgres"}:
        raise SystemExit("DATABASE_URL must name the bench's own database (e.g. .../scale_bench)")
    args.start = args.start or last_month_start(args.months)
    bench = Bench(args)
    if args.summarise_night:
        figures = bench.night_summary(dt.date.fromisoformat(args.summarise_night))
        bench.state.setdefault("night_summaries", {})[args.summarise_night] = figures
        bench.state_file.write_text(json.dumps(bench.state, indent=2, ensure_ascii=False))
        print(json.dumps(figures, ensure_ascii=False))
        return
    if args.redo:
        for phase in PHASES[PHASES.index(args.redo):]:
            bench.state.pop(phase, None)
    for phase in PHASES:
        if args.only and phase != args.only:
            continue
        if phase in bench.state and not args.only:
            print(json.dumps({"phase": phase, "skipped": "already done"}), flush=True)
            continue
        bench.save(phase, getattr(bench, phase)())


if __name__ == "__main__":
    main()
