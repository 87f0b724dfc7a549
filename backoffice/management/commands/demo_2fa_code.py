"""`manage.py demo_2fa_code USERNAME`: the current 6-digit code of a demo login's authenticator."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Affiche le code de double authentification courant d'un compte de démonstration."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError("Réservé à la démonstration (DEBUG activé).")
        device = TOTPDevice.objects.filter(user__username=username, name="Démo", confirmed=True).first()
        if device is None:
            raise CommandError(f"Pas d'authentificateur de démonstration pour {username}.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
