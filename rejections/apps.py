from django.apps import AppConfig


class RejectionsConfig(AppConfig):
    name = "rejections"
    verbose_name = "Rejets"
