"""`manage.py backup --dir DIR`: the database (pg_dump custom format) and the uploaded files."""

from pathlib import Path

from django.core.management.base import CommandError

from pharmacies.row_security import OperatorCommand
from tiers_payant.backup import BackupFailed, backup_create


class Command(OperatorCommand):
    help = "Sauvegarde la base (pg_dump, format custom) et les fichiers déposés."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=Path(".data/backups"),
                            help="dossier des sauvegardes (défaut : .data/backups)")

    def handle(self, *args, dir: Path, **options):
        try:
            backup = backup_create(directory=dir)
        except BackupFailed as failure:
            raise CommandError(str(failure)) from None
        self.stdout.write(self.style.SUCCESS("Sauvegarde écrite :"))
        for path in (backup.database, backup.media, backup.fingerprint):
            self.stdout.write(f"  {path} ({path.stat().st_size:,} octets)".replace(",", " "))
