from django.apps import AppConfig


class RejectionsConfig(AppConfig):
    name = "rejections"
    verbose_name = "Rejets"

    def ready(self):
        # Imported here: apps.py is loaded before the models are.
        # A claims file that corrects a claim: the rejections keep their copy of its
        # transmission date, written by rejections (claims.imports.followers).
        from claims.imports.followers import claims_written_register
        from rejections.services import rejections_claim_dates_follow

        claims_written_register(rejections_claim_dates_follow)
