"""`manage.py purge_patient_data [--days N] [--pharmacy FINESS]`."""

import datetime as dt

from django.core.management.base import CommandError

from claims.retention import patient_identity_purge, retention_cutoff
from pharmacies.models import Pharmacy
from pharmacies.row_security import OperatorCommand


class Command(OperatorCommand):
    help = "Efface l'identité des patients des factures plus anciennes que la durée de conservation."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="durée de conservation en jours (défaut : réglage)")
        parser.add_argument("--pharmacy", help="FINESS d'une seule pharmacie")

    def handle(self, *args, days=None, pharmacy=None, **options):
        pharmacies = Pharmacy.objects.all()
        if pharmacy:
            pharmacies = pharmacies.filter(finess=pharmacy)
            if not pharmacies.exists():
                raise CommandError(f"Aucune pharmacie avec le FINESS {pharmacy}.")
        cutoff = retention_cutoff(today=dt.date.today(), retention_days=days)
        purged = patient_identity_purge(pharmacy_ids=list(pharmacies.values_list("pk", flat=True)), cutoff=cutoff)
        self.stdout.write(f"{purged} facture(s) anonymisée(s) (soins avant le {cutoff:%d/%m/%Y}).")
