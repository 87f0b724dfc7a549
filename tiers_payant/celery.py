"""The Celery application: Redis broker, beat schedule in code."""

import contextvars
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")

app = Celery("tiers_payant")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Workers log through Django's LOGGING (JSON lines), each record naming its task.
app.conf.worker_hijack_root_logger = False
_log_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect
def _task_log_context_enter(task_id=None, task=None, **kwargs):
    from tiers_payant.logs import task_context_enter

    _log_tokens[task_id] = task_context_enter(task_name=task.name, task_id=task_id)


@task_postrun.connect
def _task_log_context_leave(task_id=None, **kwargs):
    from tiers_payant.logs import task_context_leave

    token = _log_tokens.pop(task_id, None)
    if token is not None:
        task_context_leave(token)
