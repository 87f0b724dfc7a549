""""Fichier attendu": a kind of file that stopped arriving, learnt from the pharmacy's own rhythm.

The rule (docs/operations.md, "Fichier attendu"): for each kind (claims, returns, bank),
the gaps between two committed files of that kind over the 90 days before its last file
give a median and a 90th percentile; once at least MIN_FILES files arrived, the kind is
late when its last file is older than max(2 × median, 90th percentile) + 1 day. The night
of day D measures the silence up to D 00:00 (it runs at 02:30 on D); a file received
after that instant (a night run again later) means the kind is not late.

Everything in SQL, one statement per pharmacy: no Python loop over the imports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from claims.models import ExpectedFileAlert, ImportBatch
from pharmacies.models import Pharmacy

MIN_FILES = 5
HISTORY_DAYS = 90

_RAISE_SQL = """
WITH received AS (
    SELECT kind, created_at,
           created_at - LAG(created_at) OVER (PARTITION BY kind ORDER BY created_at) AS gap,
           MAX(created_at) OVER (PARTITION BY kind) AS last_at
    FROM claims_importbatch
    WHERE pharmacy_id = %(pharmacy_id)s AND status = 'committed'
), rhythm AS (
    SELECT kind, COUNT(*) AS files, MAX(created_at) AS last_at,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY gap) AS p90_gap
    FROM received
    WHERE created_at >= last_at - make_interval(days => %(history_days)s)
    GROUP BY kind
), late AS (
    SELECT kind, last_at, median_gap,
           GREATEST(2 * median_gap, p90_gap) + INTERVAL '1 day' AS late_after
    FROM rhythm
    WHERE files >= %(min_files)s
)
INSERT INTO claims_expectedfilealert
    (pharmacy_id, kind, last_file_at, usual_gap, late_after, opened_on, opened_at)
SELECT %(pharmacy_id)s, kind, last_at, median_gap, late_after, %(day)s, now()
FROM late
WHERE %(as_of)s - last_at > late_after
ON CONFLICT (pharmacy_id, kind) WHERE closed_at IS NULL DO NOTHING
"""


def night_start(day: dt.date) -> dt.datetime:
    """The instant the night of `day` looks from: `day` 00:00, Paris time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def expected_file_alerts_close(*, pharmacy_id: int, kind: str | None = None) -> int:
    """Close the open alerts whose kind received a committed file since: the next arrival ends them."""
    arrived = ImportBatch.objects.filter(
        pharmacy_id=OuterRef("pharmacy_id"),
        kind=OuterRef("kind"),
        status=ImportBatch.Status.COMMITTED,
        created_at__gt=OuterRef("last_file_at"),
    )
    alerts = ExpectedFileAlert.objects.filter(pharmacy_id=pharmacy_id, closed_at__isnull=True)
    if kind is not None:
        alerts = alerts.filter(kind=kind)
    return alerts.filter(Exists(arrived)).update(closed_at=Now())


def expected_file_alerts_raise(*, pharmacy_id: int, day: dt.date) -> dict[str, int]:
    """The night's step: close what arrived, then raise the kinds late beyond their rhythm."""
    closed = expected_file_alerts_close(pharmacy_id=pharmacy_id)
    with connection.cursor() as cursor:
        cursor.execute(_RAISE_SQL, {
            "pharmacy_id": pharmacy_id, "as_of": night_start(day), "day": day,
            "history_days": HISTORY_DAYS, "min_files": MIN_FILES,
        })
        opened = cursor.rowcount
    return {"opened": opened, "closed": closed}


@dataclass(frozen=True)
class LateFile:
    pharmacy_id: int
    kind: str
    label: str
    last_file_at: dt.datetime
    opened_on: dt.date


def open_expected_file_alerts(*, pharmacies: QuerySet[Pharmacy]) -> dict[int, list[LateFile]]:
    """The open "fichier attendu" alerts of these pharmacies (already filtered by the
    access rule), by pharmacy id: one query."""
    labels = dict(ImportBatch.Kind.choices)
    late: dict[int, list[LateFile]] = {}
    rows = (
        ExpectedFileAlert.objects.filter(pharmacy__in=pharmacies, closed_at__isnull=True)
        .order_by("pharmacy_id", "last_file_at")
        .values_list("pharmacy_id", "kind", "last_file_at", "opened_on")
    )
    for pharmacy_id, kind, last_file_at, opened_on in rows:
        late.setdefault(pharmacy_id, []).append(
            LateFile(pharmacy_id, kind, labels[kind], last_file_at, opened_on)
        )
    return late
