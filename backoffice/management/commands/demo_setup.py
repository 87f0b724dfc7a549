"""`manage.py demo_setup --data DIR`: the demo's pharmacies and logins, printed."""

from pathlib import Path

from django.core.management.base import CommandError

from backoffice.demo import DEMO_PASSWORD, demo_people_create
from pharmacies.row_security import OperatorCommand


class Command(OperatorCommand):
    help = "Crée les pharmacies de démonstration (pharmacies.json d'un jeu généré) et un compte par rôle."

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, type=Path, help="dossier produit par generate_data")

    def handle(self, *args, data: Path, **options):
        pharmacies_file = data / "pharmacies.json"
        if not pharmacies_file.exists():
            raise CommandError(f"{pharmacies_file} introuvable : lancez d'abord generate_data.")
        logins = demo_people_create(pharmacies_file=pharmacies_file)
        self.stdout.write(self.style.SUCCESS(f"Comptes de démonstration (mot de passe commun : {DEMO_PASSWORD})"))
        for login in logins:
            self.stdout.write(f"  {login.username:<16} {login.role:<26} {login.where}")
        self.stdout.write(
            "Les comptes Backoffice demandent un code à 6 chiffres (double authentification) : "
            "DJANGO_DEBUG=1 .venv/bin/python manage.py demo_2fa_code gestionnaire1 (ou superviseur)"
        )
