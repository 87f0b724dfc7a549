"""Load test of the real server (issue 10): gunicorn on 127.0.0.1, locust headless.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_bench \\
        .venv/bin/python bench/load_test.py --users 50 --run-time 5m

Needs a database built by `bench/scale_bench.py` (its demo logins and bench
managers). Steps:

1. picks the people (`--users`: 4 staff for 1 manager, each a distinct login,
   since a TOTP code is accepted once per device and time step) and writes what
   each works with — their pharmacies, open rejections to open, the payers and
   operators to filter on, one rejection of their own to move between "à
   traiter" and "en cours" — to `<out>/users.json`;
2. starts gunicorn (`--workers`, sync) on 127.0.0.1 with DEBUG off: production
   settings, except the two that cannot hold over plain http on a loopback
   (`DJANGO_SSL_REDIRECT=0`, `DJANGO_SECURE_COOKIES=0`), passed by environment;
   its access log records, per request, the page (`X-Bench-Page`), the status
   and the request time in µs (`%(D)s`, from the worker reading the request to
   the response written: the server side, without the wait in the socket
   backlog);
3. runs locust headless, bounded (`--users`, `--spawn-rate`, `--run-time`);
4. computes p50/p95/p99 per page from the access log, leaving out the logins
   and the warm-up (everything before all users have spawned + `--warmup` s),
   with locust's client-side figures alongside; any status other than 2xx/3xx
   is an error. Writes `<out>/results.json` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOG_FORMAT = "%(t)s|%({x-bench-page}i)s|%(m)s|%(s)s|%(D)s|%(U)s"
PAGES = ("staff_dashboard", "rejection_worklist", "rejection_worklist_page", "unpaid_worklist",
         "rejection_detail", "status_change", "manager_portfolio", "work_queue", "work_queue_unpaid",
         "manager_pharmacy")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 1)) - 1))
    return ordered[rank]


def server_env(args) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tiers_payant.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "scale-bench-" + "k" * 40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "MEDIA_ROOT": str(Path(args.media).resolve()),
        "CELERY_BROKER_URL": "",
    }


def users_file(*, staff_count: int, manager_count: int, per_pharmacy: int, seed: int) -> dict:
    """The people of the test and what each works with, from the bench database."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count

    from pharmacies.row_security import operator_process

    operator_process()  # the bench holds the server (row-level security)
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from scale_bench import MANAGER_PREFIX

    from backoffice.demo import DEMO_PASSWORD
    from claims.models import Claim
    from core.statuses import ACTIONABLE_REJECTION_STATUSES
    from pharmacies.access import visible_pharmacies
    from pharmacies.models import DelegationMode, Pharmacy, StaffMember, User
    from rejections.models import ReasonCategory, Rejection

    rng = random.Random(seed)

    def pharmacy_entry(pharmacy: Pharmacy) -> dict:
        rejections = list(
            Rejection.objects.filter(pharmacy=pharmacy, status__in=ACTIONABLE_REJECTION_STATUSES)
            .order_by("?").values_list("pk", flat=True)[:per_pharmacy])
        organisms = list(
            Claim.objects.filter(pharmacy=pharmacy).values("organism").annotate(n=Count("pk"))
            .order_by("-n").values_list("organism", flat=True)[:15])
        operators = list(StaffMember.objects.filter(pharmacy=pharmacy).values_list("operator_code", flat=True))
        return {"id": pharmacy.pk, "rejections": rejections, "organisms": organisms, "operators": operators}

    used_toggles: set[int] = set()

    def toggle(pharmacy_ids: list[int]) -> dict:
        rejection = (Rejection.objects.filter(pharmacy_id__in=pharmacy_ids, status__in=ACTIONABLE_REJECTION_STATUSES)
                     .exclude(pk__in=used_toggles).order_by("pk").first())
        used_toggles.add(rejection.pk)
        return {"pharmacy": rejection.pharmacy_id, "id": rejection.pk, "status": rejection.status}

    # Staff of pharmacies that work their own rejections (total delegation: the Backoffice does).
    members = list(
        StaffMember.objects.filter(user__isnull=False, active=True)
        .exclude(pharmacy__delegation_mode=DelegationMode.TOTAL)
        .select_related("user", "pharmacy").order_by("pharmacy_id", "user__username"))
    rng.shuffle(members)
    staff = []
    for member in members[:staff_count]:
        staff.append({"username": member.user.username, "pharmacies": [pharmacy_entry(member.pharmacy)],
                      "toggle": toggle([member.pharmacy_id])})
    managers = []
    for user in User.objects.filter(username__startswith=MANAGER_PREFIX).order_by("username")[:manager_count]:
        pharmacies = list(visible_pharmacies(user).order_by("pk"))
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        managers.append({"username": user.username, "totp_key": device.key,
                         "pharmacies": [pharmacy_entry(p) for p in pharmacies],
                         "toggle": toggle([p.pk for p in pharmacies])})
    if len(staff) < staff_count or len(managers) < manager_count:
        raise SystemExit(f"not enough logins: {len(staff)} staff, {len(managers)} managers")
    return {"password": DEMO_PASSWORD, "categories": list(ReasonCategory.values),
            "staff": staff, "managers": managers}


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise SystemExit("gunicorn did not start")


def parse_access_log(path: Path, *, since: float) -> tuple[dict, list[str], int]:
    by_page: dict[str, list[float]] = {}
    errors: list[str] = []
    left_out = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("|")
        if len(parts) != 6:
            continue
        stamp, page, method, status, micros, url = parts
        when = dt.datetime.strptime(stamp.strip("[]"), "%d/%b/%Y:%H:%M:%S %z").timestamp()
        if not (200 <= int(status) < 400):
            errors.append(f"{status} {method} {url} ({page})")
        if page in {"login", "-"} or when < since:
            left_out += 1
            continue
        by_page.setdefault(page, []).append(int(micros) / 1000)
    return by_page, errors, left_out


def client_stats(prefix: Path) -> dict:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return {}
    out = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            out[row["Name"]] = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                                "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0),
                                "p99": float(row["99%"] or 0)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--managers-share", type=float, default=0.2)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="5m")
    parser.add_argument("--warmup", type=float, default=15, help="seconds after the last spawn left out")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--out", default=str(ROOT / ".data" / "scale" / "load"))
    parser.add_argument("--media", default=str(ROOT / ".data" / "scale" / "media"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("DATABASE_URL must name the bench database (built by bench/scale_bench.py)")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_SECRET_KEY",
                                           "MEDIA_ROOT", "CELERY_BROKER_URL")})
    sys.path.insert(0, str(ROOT / "bench"))
    managers = max(1, round(args.users * args.managers_share))
    people = users_file(staff_count=args.users - managers, manager_count=managers, per_pharmacy=60,
                        seed=args.seed)
    (out / "users.json").write_text(json.dumps(people))

    # DEBUG off serves hashed static files from the manifest: collect them first.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)
    access_log = out / "access.log"
    access_log.unlink(missing_ok=True)
    gunicorn = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "tiers_payant.wsgi", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--access-logfile", str(access_log),
         "--access-logformat", LOG_FORMAT, "--error-logfile", str(out / "gunicorn.log")],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_port(args.port)
        spawned = out / "spawned"
        spawned.unlink(missing_ok=True)
        load_before = os.getloadavg()
        started = time.time()
        locust = subprocess.run(
            [str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "--host", f"http://127.0.0.1:{args.port}", "--users", str(args.users),
             "--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time, "--stop-timeout", "10",
             "--csv", str(out / "locust"), "--only-summary", "--exit-code-on-error", "0",
             "--loglevel", "WARNING"],
            cwd=ROOT, env={**env, "LOCUST_USERS_FILE": str(out / "users.json"),
                           "LOCUST_SPAWNED_FILE": str(spawned)},
            capture_output=True, text=True)
        load_after = os.getloadavg()
        (out / "locust.out").write_text(locust.stdout + locust.stderr)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    since = float(spawned.read_text()) + args.warmup if spawned.exists() else started + 60
    by_page, errors, left_out = parse_access_log(access_log, since=since)
    client = client_stats(out / "locust")
    window = time.time() - since
    rows = []
    for page in [p for p in PAGES if p in by_page] + sorted(set(by_page) - set(PAGES)):
        times = by_page[page]
        rows.append({"page": page, "requests": len(times), "p50_ms": round(percentile(times, 0.50), 1),
                     "p95_ms": round(percentile(times, 0.95), 1), "p99_ms": round(percentile(times, 0.99), 1),
                     "max_ms": round(max(times), 1), "client": client.get(page, {})})
    every = [t for times in by_page.values() for t in times]
    results = {
        "users": args.users, "managers": managers, "gunicorn_workers": args.workers, "run_time": args.run_time,
        "measured_window_s": round(window), "requests_measured": len(every),
        "requests_per_s": round(len(every) / window, 1) if window > 0 else None,
        "left_out_login_or_warmup": left_out, "errors": errors,
        "client_failures": {k: v["failures"] for k, v in client.items() if v.get("failures")},
        "load_avg_before": [round(x, 2) for x in load_before], "load_avg_after": [round(x, 2) for x in load_after],
        "all_pages": {"p50_ms": round(percentile(every, .5), 1), "p95_ms": round(percentile(every, .95), 1),
                      "p99_ms": round(percentile(every, .99), 1)} if every else {},
        "pages": rows,
    }
    (out / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps({k: v for k, v in results.items() if k != "pages"}, indent=1))
    print("| page | requests | p50 ms | p95 ms | p99 ms | max ms | client p50/p95/p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        c = row["client"]
        client_cell = f"{c['p50']:.0f} / {c['p95']:.0f} / {c['p99']:.0f}" if c else "—"
        print(f"| {row['page']} | {row['requests']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} "
              f"| {row['max_ms']} | {client_cell} |")


if __name__ == "__main__":
    main()
