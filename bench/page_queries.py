"""Queries per page, and their time, on whatever database DATABASE_URL names (issue 10).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_small .venv/bin/python bench/page_queries.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_bench .venv/bin/python bench/page_queries.py

Run on a small and on the big database (both built by `bench/scale_bench.py`),
the number of queries of each page must be the same: nothing per row. For one
staff login (a pharmacy that works its own rejections) and one bench manager,
each page of the load test is requested through Django's test client
(`CaptureQueriesContext`), `--repeat` times; printed: the queries of the last
request, the median time of the page and of its SQL, and the slowest
statement. `--explain PAGE` prints EXPLAIN (ANALYZE, BUFFERS) of that page's
statements slower than `--explain-ms`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
# Production settings (DEBUG off), minus what cannot hold without TLS (as bench/load_test.py).
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "scale-bench-" + "k" * 40)
os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ["CELERY_BROKER_URL"] = ""

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from pharmacies.row_security import operator_process  # noqa: E402

operator_process()  # arranging users as an operator; each page request is scoped by the middleware
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from scale_bench import MANAGER_PREFIX  # noqa: E402

from core.statuses import ACTIONABLE_REJECTION_STATUSES  # noqa: E402
from pharmacies.access import visible_pharmacies  # noqa: E402
from pharmacies.models import DelegationMode, StaffMember, User  # noqa: E402
from rejections.models import Rejection  # noqa: E402

OPEN = ACTIONABLE_REJECTION_STATUSES


def client_for(user: User) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def pages() -> list[tuple[str, User, str, str, dict]]:
    """(page, user, method, url, data) — the load test's pages, for one staff login and one manager."""
    member = (StaffMember.objects.filter(user__isnull=False, active=True)
              .exclude(pharmacy__delegation_mode=DelegationMode.TOTAL)
              .select_related("user").order_by("pharmacy_id", "user__username").first())
    staff, pharmacy_id = member.user, member.pharmacy_id
    manager = User.objects.filter(username__startswith=MANAGER_PREFIX).order_by("username").first()
    staff_rejection = Rejection.objects.filter(pharmacy_id=pharmacy_id, status__in=OPEN).order_by("pk").first()
    manager_rejection = (Rejection.objects.filter(pharmacy__in=visible_pharmacies(manager), status__in=OPEN)
                         .order_by("pk").first())
    base = f"/pharmacies/{pharmacy_id}"
    return [
        ("staff_dashboard", staff, "get", f"{base}/", {}),
        ("rejection_worklist_page", staff, "get", f"{base}/rejets/", {}),
        ("rejection_worklist (filters, HTMX)", staff, "get",
         f"{base}/rejets/?statut=open&categorie=amo_rights&tri=-montant", {"HTTP_HX_REQUEST": "true"}),
        ("unpaid_worklist", staff, "get", f"{base}/impayes/", {}),
        ("unpaid_worklist (age filter)", staff, "get", f"{base}/impayes/?age=31-60", {}),
        ("rejection_detail", staff, "get", f"{base}/rejets/{staff_rejection.pk}/", {}),
        ("status_change", staff, "post", f"{base}/rejets/{staff_rejection.pk}/statut/", {"toggle": True}),
        ("manager_portfolio", manager, "get", "/backoffice/portefeuille/", {}),
        ("work_queue", manager, "get", "/backoffice/file/", {}),
        ("work_queue (filters, HTMX)", manager, "get", "/backoffice/file/?statut=open&categorie=amc_rights",
         {"HTTP_HX_REQUEST": "true"}),
        ("work_queue_unpaid", manager, "get", "/backoffice/file/impayes/", {}),
        ("manager_pharmacy", manager, "get",
         f"/backoffice/pharmacies/{manager_rejection.pharmacy_id}/", {}),
        ("rejection_detail (manager)", manager, "get",
         f"/pharmacies/{manager_rejection.pharmacy_id}/rejets/{manager_rejection.pk}/", {}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="append", default=[], help="page name prefix")
    parser.add_argument("--explain-ms", type=float, default=20)
    parser.add_argument("--json", help="write the figures there")
    args = parser.parse_args()
    from claims.models import Claim

    claims = Claim.objects.count()
    results = []
    clients: dict[int, Client] = {}
    for name, user, method, url, extra in pages():
        client = clients.setdefault(user.pk, client_for(user))
        headers = {k: v for k, v in extra.items() if k.startswith("HTTP_")}
        times, sql_times, counts = [], [], []
        state = Rejection.objects.get(pk=url.rstrip("/").split("/")[-2]).status if extra.get("toggle") else None
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                if method == "post":
                    state = "in_progress" if state == "to_handle" else "to_handle"
                    response = client.post(url, {"to_status": state}, HTTP_HX_REQUEST="true")
                else:
                    response = client.get(url, **headers)
                elapsed = time.perf_counter() - started
            assert response.status_code == 200, (name, response.status_code)
            times.append(elapsed * 1000)
            sql_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            counts.append(len(captured.captured_queries))
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
        results.append({"page": name, "queries": counts[-1], "queries_all_runs": sorted(set(counts)),
                        "median_ms": round(statistics.median(times), 1),
                        "median_sql_ms": round(statistics.median(sql_times), 1),
                        "slowest_sql_ms": round(float(slowest["time"]) * 1000, 1),
                        "slowest_sql": slowest["sql"][:300]})
        if any(name.startswith(prefix) for prefix in args.explain):
            for query in captured.captured_queries:
                if float(query["time"]) * 1000 >= args.explain_ms:
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                        plan = "\n".join(row[0] for row in cursor.fetchall())
                    print(f"--- {name}: {float(query['time']) * 1000:.1f} ms\n{query['sql']}\n{plan}\n")
    print(f"claims in the database: {claims:,}; load average {os.getloadavg()[0]:.2f}")
    print("| page | queries | median ms | median SQL ms | slowest statement ms |")
    print("|---|---|---|---|---|")
    for row in results:
        print(f"| {row['page']} | {row['queries']} | {row['median_ms']} | {row['median_sql_ms']} "
              f"| {row['slowest_sql_ms']} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"claims": claims, "pages": results}, indent=2))


if __name__ == "__main__":
    main()
