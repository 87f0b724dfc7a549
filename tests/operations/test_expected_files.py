""""Fichier attendu": a kind of file late beyond the pharmacy's own rhythm raises an alert
on the night that passes it (not the night before), shown on the dashboard and the
portfolio, closed by the next file of that kind."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from claims.expected_files import expected_file_alerts_raise, open_expected_file_alerts
from claims.models import ExpectedFileAlert, ImportBatch
from pharmacies.models import Pharmacy
from tests.imports.helpers import CPAM_RHONE, RETURNS_HEADER, run_import, write
from tiers_payant.night import nightly_run

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# The last Friday at least 8 days ago: the returns stop after it, for over a week.
_EIGHT_DAYS_AGO = TODAY - dt.timedelta(days=8)
LAST_RETURNS = _EIGHT_DAYS_AGO - dt.timedelta(days=(_EIGHT_DAYS_AGO.weekday() - 4) % 7)
START = TODAY - dt.timedelta(days=110)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _generate(pharmacy: Pharmacy, *, returns_until: dt.date) -> None:
    """A few months of files as a pharmacy sends them: claims and returns every working
    day, a bank statement every Monday; committed, with their arrival time."""
    arrivals = []
    day = START
    while day < TODAY:
        if day.weekday() < 5:
            arrivals.append((ImportBatch.Kind.CLAIMS, _at(day, 9)))
            if day <= returns_until:
                arrivals.append((ImportBatch.Kind.RETURNS, _at(day, 14)))
        if day.weekday() == 0:
            arrivals.append((ImportBatch.Kind.BANK, _at(day, 8)))
        day += dt.timedelta(days=1)
    batches = ImportBatch.objects.bulk_create([
        ImportBatch(pharmacy=pharmacy, kind=kind, file_name=f"{kind}-{at:%Y%m%d}.csv",
                    sha256=hashlib.sha256(f"{pharmacy.pk}{kind}{at}".encode()).hexdigest(),
                    status=ImportBatch.Status.COMMITTED)
        for kind, at in arrivals
    ])
    # created_at is auto_now_add: the arrival times are set afterwards, in one statement.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_importbatch b SET created_at = v.at, committed_at = v.at "
            "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE b.id = v.id",
            [[b.pk for b in batches], [at for _kind, at in arrivals]],
        )


def _open_kinds(pharmacy: Pharmacy) -> set[str]:
    return set(ExpectedFileAlert.objects.filter(pharmacy=pharmacy, closed_at__isnull=True)
               .values_list("kind", flat=True))


def test_the_alert_comes_on_the_night_that_passes_the_rhythm_and_leaves_with_the_next_file(
    pharmacy_a, pharmacy_b, titulaire_a, manager_a, login, client, tmp_path
):
    assert LAST_RETURNS.weekday() == 4 and (TODAY - LAST_RETURNS).days >= 8
    _generate(pharmacy_a, returns_until=LAST_RETURNS)
    _generate(pharmacy_b, returns_until=TODAY)  # its returns keep coming
    # The truth, by hand: returns every working day, so gaps of 1 day (4 in 5) and of
    # 3 days (the week-end, 1 in 5): median 1 day, 90th percentile 3 days; late after
    # max(2 × 1, 3) + 1 = 4 days. Last file Friday 14:00: the night of Tuesday measures
    # up to Tuesday 00:00 (3 days 10 h), the night of Wednesday up to Wednesday 00:00
    # (4 days 10 h): Wednesday's night is the first one past the rhythm.
    for offset in range(1, 5):  # Saturday … Tuesday
        assert nightly_run(pharmacy_id=pharmacy_a.pk, day=LAST_RETURNS + dt.timedelta(days=offset),
                           force=True) == "done"
        assert _open_kinds(pharmacy_a) == set(), offset
    wednesday = LAST_RETURNS + dt.timedelta(days=5)
    assert nightly_run(pharmacy_id=pharmacy_a.pk, day=wednesday, force=True) == "done"
    alert = ExpectedFileAlert.objects.get(pharmacy=pharmacy_a, closed_at__isnull=True)
    assert (alert.kind, alert.opened_on, alert.last_file_at) == ("returns", wednesday, _at(LAST_RETURNS, 14))
    assert (alert.usual_gap, alert.late_after) == (dt.timedelta(days=1), dt.timedelta(days=4))
    # Claims and bank keep their rhythm; the other pharmacy's returns too.
    for day in (wednesday + dt.timedelta(days=1), TODAY):
        nightly_run(pharmacy_id=pharmacy_b.pk, day=day, force=True)
        assert expected_file_alerts_raise(pharmacy_id=pharmacy_a.pk, day=day) == {"opened": 0, "closed": 0}
    assert ExpectedFileAlert.objects.filter(pharmacy=pharmacy_a).count() == 1
    assert _open_kinds(pharmacy_b) == set()

    # Shown on the pharmacy's dashboard and on the manager's portfolio.
    page = login(titulaire_a).get(reverse("pharmacies:dashboard", args=[pharmacy_a.pk])).content.decode()
    assert 'id="late-files"' in page and "Fichier attendu : retours" in page
    assert f"aucun fichier reçu depuis le {LAST_RETURNS:%d/%m/%Y}" in page
    client.logout()
    page = login(manager_a).get(reverse("backoffice:portfolio")).content.decode()
    assert page.count("Fichier attendu : retours") == 1

    # A returns file arrives (the real import pipeline): the alert closes at once.
    rows = f"{pharmacy_a.finess};100000001;AMO;{CPAM_RHONE};PAYE;23,40;;;B2026-0001;10/01/2026;09/01/2026"
    batch = run_import(pharmacy_a, write(tmp_path, "retours.csv", f"{RETURNS_HEADER}\n{rows}\n"))
    assert batch.status == ImportBatch.Status.COMMITTED
    alert.refresh_from_db()
    assert alert.closed_at is not None
    assert open_expected_file_alerts(pharmacies=Pharmacy.objects.all()) == {}
    # Tonight (measured up to today 00:00, before the file came): still not late.
    assert expected_file_alerts_raise(pharmacy_id=pharmacy_a.pk, day=TODAY) == {"opened": 0, "closed": 0}
    page = client.get(reverse("backoffice:portfolio")).content.decode()
    assert "Fichier attendu" not in page


def test_no_rhythm_before_five_files(pharmacy_a):
    """Four returns files, then nothing for months: too few to learn a rhythm; a fifth makes one."""
    batches = ImportBatch.objects.bulk_create([
        ImportBatch(pharmacy=pharmacy_a, kind=ImportBatch.Kind.RETURNS, file_name=f"r{i}.csv",
                    sha256=f"{i:064d}", status=ImportBatch.Status.COMMITTED)
        for i in range(4)
    ])
    ImportBatch.objects.filter(pk__in=[b.pk for b in batches]).update(created_at=_at(START, 10))
    assert expected_file_alerts_raise(pharmacy_id=pharmacy_a.pk, day=TODAY) == {"opened": 0, "closed": 0}
    ImportBatch.objects.create(pharmacy=pharmacy_a, kind=ImportBatch.Kind.RETURNS, file_name="r5.csv",
                               sha256=f"{5:064d}", status=ImportBatch.Status.COMMITTED)
    ImportBatch.objects.filter(file_name="r5.csv").update(created_at=_at(START + dt.timedelta(days=1), 10))
    assert expected_file_alerts_raise(pharmacy_id=pharmacy_a.pk, day=TODAY)["opened"] == 1
