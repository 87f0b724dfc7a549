"""The Celery application: Redis broker, beat schedule in code."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")

app = Celery("tiers_payant")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
