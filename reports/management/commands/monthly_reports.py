"""Produce the monthly reports of a month on demand (the beat does it on the 1st):

    manage.py monthly_reports [--month 2026-10] [--pharmacy FINESS] [--resend]

Without --month, the last full month. A report already sent is left alone unless
--resend asks to render and mail it again: running the command twice sends nothing
twice. One line per pharmacy says what happened (never the e-mails themselves).
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils import timezone

from core.periods import check_month, parse_month, previous_month
from pharmacies.row_security import OperatorCommand
from reports.models import MonthlyReport
from reports.months import month_name
from reports.services import report_produce, reports_pharmacies


class Command(OperatorCommand):
    help = "Produit, archive et envoie les rapports mensuels d'un mois (par défaut le dernier mois complet)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="AAAA-MM ; par défaut le dernier mois complet")
        parser.add_argument("--pharmacy", help="FINESS d'une seule pharmacie")
        parser.add_argument(
            "--resend", action="store_true",
            help="Reproduire et renvoyer aussi les rapports déjà envoyés.",
        )

    def handle(self, *args, month: str | None, pharmacy: str | None, resend: bool, **options):
        if month:
            try:
                first = parse_month(month)
            except ValueError:
                raise CommandError("Mois attendu au format AAAA-MM, par exemple 2026-10.") from None
            try:
                check_month(first, latest=timezone.localdate())
            except ValueError as e:
                raise CommandError(f"{str(e).capitalize()}.") from None
        else:
            first = previous_month(timezone.localdate())
        pharmacies = reports_pharmacies()
        if pharmacy:
            pharmacies = pharmacies.filter(finess=pharmacy)
            if not pharmacies.exists():
                raise CommandError(f"Aucune pharmacie avec le FINESS {pharmacy}.")
        name = month_name(first)
        produced = skipped = failed = 0
        for target in pharmacies:
            label = f"{target.finess} {target.name}"
            try:
                report = report_produce(pharmacy_id=target.pk, month=first, force=resend)
            except Exception as error:  # one pharmacy's failure must not stop the others
                failed += 1
                self.stderr.write(f"{label} : échec ({error.__class__.__name__}: {str(error)[:200]})")
                continue
            if report is None:
                skipped += 1
                existing = MonthlyReport.objects.filter(pharmacy=target, month=first).first()
                if existing is not None and existing.state == MonthlyReport.State.SENT:
                    when = f" le {timezone.localtime(existing.sent_at):%d/%m/%Y}" if existing.sent_at else ""
                    self.stdout.write(f"{label} : déjà produit{when}, laissé tel quel (--resend pour le renvoyer)")
                else:
                    self.stdout.write(f"{label} : en cours de production ailleurs, laissé tel quel")
                continue
            produced += 1
            sent = f"envoyé à {report.recipients}" if report.recipients else "aucun titulaire avec e-mail : archivé sans envoi"
            self.stdout.write(f"{label} : rapport produit ({report.pdf.size // 1024} Ko), {sent}")
        summary = f"{name} : {produced} rapport(s) produit(s), {skipped} déjà produit(s) ou en cours"
        if failed:
            raise CommandError(f"{summary}, {failed} échec(s).")
        self.stdout.write(self.style.SUCCESS(summary + "."))
