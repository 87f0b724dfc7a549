"""`/sante/`: is the service up, and are its background jobs keeping time?

For the proxy and the orchestrator, without authentication: only `{"status": …}`
and the HTTP code — 200 while pages can be served ("ok", or "degraded" when a
background job is late or Redis does not answer), 503 when the database does not
answer ("down"). A signed-in supervisor also gets the details: the database's
answer time, Redis, the age of the last night and of the last monthly run, the
queues' lengths. No tenant data: the job ages are maxima over all pharmacies,
read in the operators' scope for that one query.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pharmacies.models import JobRun, User
from pharmacies.row_security import ALL_PHARMACIES, database_scope

# Beyond these ages a job is late: the night runs every night, the reports monthly.
NIGHT_MAX_AGE = dt.timedelta(hours=26)
MONTHLY_MAX_AGE = dt.timedelta(days=32)
QUEUES = ("default", "pdf")


@dataclass
class Health:
    status: str
    database_ms: float | None = None
    redis: str = "inline"  # no broker configured: tasks run in the web process
    night_age_hours: float | None = None
    monthly_age_days: float | None = None
    queues: dict[str, int] | None = None
    late: list[str] | None = None


def health_check(*, now: dt.datetime | None = None) -> Health:
    now = now or timezone.now()
    try:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ms = round((time.perf_counter() - started) * 1000, 1)
        with database_scope(ALL_PHARMACIES):
            last = JobRun.objects.filter(state=JobRun.State.DONE).aggregate(
                night=Max("finished_at", filter=_job(JobRun.Job.NIGHTLY)),
                monthly=Max("finished_at", filter=_job(JobRun.Job.MONTHLY_REPORT)),
            )
    except DatabaseError:
        return Health(status="down")
    late: list[str] = []
    health = Health(status="ok", database_ms=database_ms, late=late)
    if last["night"]:
        health.night_age_hours = round((now - last["night"]).total_seconds() / 3600, 1)
        if now - last["night"] > NIGHT_MAX_AGE:
            late.append("nuit")
    if last["monthly"]:
        health.monthly_age_days = round((now - last["monthly"]).total_seconds() / 86400, 1)
        if now - last["monthly"] > MONTHLY_MAX_AGE:
            late.append("rapports mensuels")
    if settings.CELERY_BROKER_URL:
        health.redis, health.queues = _redis()
        if health.redis != "ok":
            late.append("redis")
    if health.late:
        health.status = "degraded"
    return health


def _job(job: str) -> Q:
    return Q(job=job)


def _redis() -> tuple[str, dict[str, int] | None]:
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)
        return "ok", {queue: client.llen(queue) for queue in QUEUES}
    except redis.RedisError:
        return "injoignable", None


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    result = health_check()
    user = request.user
    detailed = user.is_authenticated and user.kind == User.Kind.SUPERVISOR
    body = asdict(result) if detailed else {"status": result.status}
    return JsonResponse(body, status=503 if result.status == "down" else 200)
