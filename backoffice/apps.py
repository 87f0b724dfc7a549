from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Service Backoffice"

    def ready(self):
        # Imported here: apps.py is loaded before the models are. The monthly figures
        # (reports, below backoffice) show the Backoffice's time: backoffice reads it.
        from backoffice.selectors import time_spent_minutes
        from reports.statistics import backoffice_minutes_register

        backoffice_minutes_register(time_spent_minutes)
