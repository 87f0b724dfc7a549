"""French names for the third-party apps the administration shows.

Their own names ("Otp_Static", "Static devices", "Axes") mean nothing to a
supervisor. The app names are AppConfig subclasses (listed in INSTALLED_APPS
instead of the packages); the model names are set on `_meta` only, not on
`Meta`, so the migration state of these apps does not change.
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefaultConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDefaultConfig


def _model_names(config, names: dict[str, tuple[str, str]]) -> None:
    for model_name, (singular, plural) in names.items():
        meta = config.get_model(model_name)._meta
        meta.verbose_name, meta.verbose_name_plural = singular, plural


class AxesConfig(AxesAppConfig):
    verbose_name = "Verrouillage des connexions"


class TOTPConfig(TOTPDefaultConfig):
    verbose_name = "Double authentification : applications"

    def ready(self) -> None:
        super().ready()
        _model_names(self, {"TOTPDevice": ("application d'authentification", "applications d'authentification")})


class StaticConfig(StaticDefaultConfig):
    verbose_name = "Double authentification : codes de secours"

    def ready(self) -> None:
        super().ready()
        _model_names(self, {
            "StaticDevice": ("jeu de codes de secours", "jeux de codes de secours"),
            "StaticToken": ("code de secours", "codes de secours"),
        })
