"""A night or a monthly report that fails tells the supervisors, once.

Celery's `task_failure` signal fires in the worker at each failed attempt (a task
redelivered after a crash fails again); the e-mail goes once per task, pharmacy
and day: the first worker to set the Redis key sends it (`SET NX`, kept two
days). Without a broker (tasks run inline: the demo) the failure reaches whoever
ran the command, and the process's cache keeps the once. The e-mail names the
task, the pharmacy and the error's kind, no patient data.
"""

from __future__ import annotations

import logging

from celery.signals import task_failure
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone

logger = logging.getLogger(__name__)

WATCHED_TASKS = {
    "tiers_payant.tasks.nightly_matching_all": "le lancement de la nuit",
    "tiers_payant.tasks.nightly_matching_pharmacy": "la nuit",
    "reports.tasks.monthly_reports_all": "le lancement des rapports mensuels",
    "reports.tasks.render_monthly_report": "le rapport mensuel",
}
NOTICE_SECONDS = 2 * 24 * 3600


def _first_notice(key: str) -> bool:
    if settings.CELERY_BROKER_URL:
        import redis

        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        return bool(client.set(key, "1", nx=True, ex=NOTICE_SECONDS))
    return cache.add(key, "1", NOTICE_SECONDS)


def supervisors_told_of_failure(*, task_name: str, pharmacy_id: int | None, error: BaseException) -> bool:
    """E-mail the supervisors about a failed job, unless they were already told today."""
    from pharmacies.models import Pharmacy, User

    what = WATCHED_TASKS.get(task_name)
    if what is None:
        return False
    day = timezone.localdate()
    if not _first_notice(f"tiers_payant:failure-notice:{task_name}:{pharmacy_id}:{day.isoformat()}"):
        return False
    pharmacy = (
        Pharmacy.objects.filter(pk=pharmacy_id).values_list("name", flat=True).first()
        if pharmacy_id is not None
        else None
    )
    where = f" de {pharmacy} (n° {pharmacy_id})" if pharmacy else ""
    recipients = list(
        User.objects.filter(kind=User.Kind.SUPERVISOR, is_active=True)
        .exclude(email="").values_list("email", flat=True)
    )
    if not recipients:
        logger.error("Échec de %s%s : aucun superviseur avec un e-mail à prévenir", what, where)
        return False
    reason = f"{type(error).__name__} : {str(error).splitlines()[0][:300] if str(error) else ''}"
    send_mail(
        f"Échec : {what}{where}",
        f"{what.capitalize()}{where} a échoué le {day:%d/%m/%Y}.\n\n{reason}\n\n"
        "Les tentatives suivantes du jour ne renvoient pas de message. L'état des travaux de nuit "
        "se lit sur /sante/ (détails pour un superviseur connecté) et dans l'administration "
        "(Travaux de nuit).",
        None,
        recipients,
    )
    return True


@task_failure.connect
def _on_task_failure(sender=None, exception=None, args=None, **kwargs):
    pharmacy_id = args[0] if args and isinstance(args[0], int) else None
    supervisors_told_of_failure(task_name=getattr(sender, "name", ""), pharmacy_id=pharmacy_id,
                                error=exception)
