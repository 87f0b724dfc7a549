"""`manage.py run_matching [--pharmacy FINESS] [--day YYYY-MM-DD] [--force]`: the nightly run, now."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

from pharmacies.models import Pharmacy
from pharmacies.row_security import OperatorCommand
from tiers_payant.night import nightly_run


class Command(OperatorCommand):
    help = "Applique les retours, rapproche bordereaux et virements, repère les impayés."

    def add_arguments(self, parser):
        parser.add_argument("--pharmacy", help="FINESS d'une seule pharmacie")
        parser.add_argument("--day", help="jour du traitement (AAAA-MM-JJ), aujourd'hui par défaut")
        parser.add_argument("--force", action="store_true",
                            help="relancer même si le traitement du jour est terminé")

    def handle(self, *args, pharmacy=None, day=None, force=False, **options):
        pharmacies = Pharmacy.objects.order_by("id")
        if pharmacy:
            pharmacies = pharmacies.filter(finess=pharmacy)
            if not pharmacies.exists():
                raise CommandError(f"Pharmacie {pharmacy} introuvable.")
        run_day = dt.date.fromisoformat(day) if day else timezone.localdate()
        for ph in pharmacies:
            outcome = nightly_run(pharmacy_id=ph.id, day=run_day, force=force)
            self.stdout.write(f"{ph.finess} {run_day}: {outcome}")
