"""Regenerate monthly reports on demand: manage.py monthly_reports --month 2026-10 [--pharmacy FINESS]."""

from __future__ import annotations

from django.core.management.base import CommandError

from core.periods import parse_month
from pharmacies.row_security import OperatorCommand
from reports.services import report_produce, reports_pharmacies


class Command(OperatorCommand):
    help = "Produit (ou reproduit) et envoie les rapports mensuels d'un mois."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="AAAA-MM")
        parser.add_argument("--pharmacy", help="FINESS d'une seule pharmacie")
        parser.add_argument(
            "--no-resend", action="store_true",
            help="Ne pas reproduire les rapports déjà envoyés (comme la tâche mensuelle).",
        )

    def handle(self, *args, month: str, pharmacy: str | None, no_resend: bool, **options):
        try:
            first = parse_month(month)
        except ValueError:
            raise CommandError("Mois attendu au format AAAA-MM, par exemple 2026-10.")
        pharmacies = reports_pharmacies()
        if pharmacy:
            pharmacies = pharmacies.filter(finess=pharmacy)
            if not pharmacies.exists():
                raise CommandError(f"Aucune pharmacie avec le FINESS {pharmacy}.")
        done = 0
        for pharmacy_id in pharmacies.values_list("pk", flat=True):
            report = report_produce(pharmacy_id=pharmacy_id, month=first, force=not no_resend)
            if report is not None:
                done += 1
                self.stdout.write(f"{report.pharmacy.finess} : {report.pdf.name} ({report.recipients or 'aucun destinataire'})")
        self.stdout.write(self.style.SUCCESS(f"{done} rapport(s) produit(s) pour {month}."))
