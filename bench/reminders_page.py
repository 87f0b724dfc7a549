"""The Backoffice reminders page at 5,000 candidates (issue 16, item 4: under 1 s).

    DATABASE_URL=postgres://tiers_payant@127.0.0.1:5432/tp_reminders_bench \
        .venv/bin/python bench/reminders_page.py [--repeat 15] [--candidates 5000] [--paid 33000] [--waiting 2000]

Builds (once, kept for the next runs) a pharmacy with `--candidates` claims to
remind (unpaid, or partly paid: claims.due.to_claim_from_payer; a bench database built
before it holds rejected ones instead: drop it) over 150 payers, `--paid` settled claims and `--waiting`
ones sent in the last days (no answer yet: not to remind; 40,000 claims in all by
default), assigned to one manager (second factor passed). Then
requests through Django's test client, `--repeat` times each: the first page of
payers, the next page, the biggest payer's own page, and one letter for a
30-claim payer with "all of this payer" (PDF included; rolled back), the same
for the biggest payer (its PDF goes to the worker) and that PDF's rendering alone.
Prints the median and worst time and the number of queries of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
# Production settings (DEBUG off), minus what cannot hold without TLS (as bench/page_queries.py).
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "reminders-bench-" + "k" * 40)
os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ["CELERY_BROKER_URL"] = ""

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402

from pharmacies.row_security import operator_process  # noqa: E402

FINESS = "690099975"
MANAGER = "bench_relances"


def setup(candidates: int, paid: int, waiting: int):
    from backoffice.models import ManagerAssignment
    from backoffice.selectors import remindable_claims
    from claims.models import Claim
    from pharmacies.models import DelegationMode, Pharmacy, User
    from tests.backoffice.reminder_dataset import build_reminder_candidates
    from tests.sessions import confirmed_device

    pharmacy = Pharmacy.objects.filter(finess=FINESS).first()
    if pharmacy is None:
        pharmacy = Pharmacy.objects.create(
            finess=FINESS, name="Pharmacie des Relances (bench)", delegation_mode=DelegationMode.TOTAL,
        )
        manager = User.objects.create_user(MANAGER, password="bench-" + "x" * 20, kind=User.Kind.MANAGER)
        ManagerAssignment.objects.create(pharmacy=pharmacy, manager=manager)
        started = time.perf_counter()
        build_reminder_candidates(
            pharmacy=pharmacy, candidates=candidates, paid=paid, waiting=waiting, actor=manager
        )
        _analyze()
        print(f"built in {time.perf_counter() - started:.1f} s")
    manager = User.objects.get(username=MANAGER)
    confirmed_device(manager)
    remindable = remindable_claims(pharmacy=pharmacy)
    print(f"{pharmacy.name}: {Claim.objects.filter(pharmacy=pharmacy).count()} claims, "
          f"{remindable.count()} to remind, {remindable.values('organism').distinct().count()} payers")
    return pharmacy, manager


def _analyze() -> None:
    with connection.cursor() as cursor:
        for table in ("claims_claim", "backoffice_reminderclaim", "rejections_unpaidfollowup"):
            cursor.execute(f"ANALYZE {table}")


def client_for(user) -> Client:
    from tests.sessions import confirmed_device

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.save()
    return client


def measure(label: str, repeat: int, request) -> dict:
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = request()
            elapsed = time.perf_counter() - started
        assert response.status_code in (200, 302), (label, response.status_code)
        times.append(elapsed)
        queries = len(captured)
    row = {"page": label, "median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000,
           "queries": queries, "bytes": len(getattr(response, "content", b""))}
    print(f"{label:<48} median {row['median_ms']:7.1f} ms   worst {row['max_ms']:7.1f} ms   "
          f"{queries:3d} queries   {row['bytes'] / 1024:6.0f} KiB")
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--paid", type=int, default=33000)
    parser.add_argument("--waiting", type=int, default=2000)
    args = parser.parse_args()
    operator_process()  # setting up as an operator; each request is scoped by the middleware
    call_command("migrate", verbosity=0)
    # DEBUG off serves hashed static files from the manifest: collect them first (as bench/load_test.py).
    call_command("collectstatic", interactive=False, verbosity=0)
    pharmacy, manager = setup(args.candidates, args.paid, args.waiting)
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="reminders-bench-")
    client = client_for(manager)
    url = f"/backoffice/pharmacies/{pharmacy.pk}/relances/"
    from django.db.models import Count

    from backoffice.models import LetterTemplate
    from backoffice.selectors import remindable_claims, reminder_groups

    biggest_group = reminder_groups(pharmacy=pharmacy, per_payer=0).object_list[0]
    biggest, biggest_count = biggest_group.organism, biggest_group.count
    thirty = (remindable_claims(pharmacy=pharmacy).values("organism")
              .annotate(n=Count("*")).filter(n__gte=25, n__lte=40).order_by("n").first()["organism"])
    template = LetterTemplate.objects.order_by("pk").first().pk
    client.get(url)  # warm: templates, session
    measure("reminders page, payers 1-10", args.repeat, lambda: client.get(url))
    measure("reminders page, payers 11-20", args.repeat, lambda: client.get(url, {"page": 2}))
    measure("biggest payer's claims, page 1", args.repeat, lambda: client.get(url, {"organisme": biggest.pk}))

    def letter():
        with transaction.atomic():
            response = client.post(url, {"tout": [thirty], "template": template})
            transaction.set_rollback(True)
        return response

    measure("letter for all of a ~30-claim payer (PDF)", max(3, args.repeat // 5), letter)

    def big_letter():
        with transaction.atomic():
            response = client.post(url, {"tout": [biggest.pk], "template": template})
            transaction.set_rollback(True)  # its PDF task is never enqueued (no commit)
        return response

    measure(f"letter for all of the biggest payer ({biggest_count} claims)", 3, big_letter)
    from backoffice.reminders import reminder_create, reminder_letter_render

    with transaction.atomic():
        reminder = reminder_create(pharmacy=pharmacy, claims=pharmacy.claims.filter(organism=biggest), actor=manager)
        started = time.perf_counter()
        reminder_letter_render(reminder=reminder)
        print(f"{'  its PDF, by the worker':<48} {time.perf_counter() - started:7.1f} s")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
