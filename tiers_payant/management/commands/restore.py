"""`manage.py restore --dump FILE [--media FILE] --into NEW_DATABASE`: into a fresh database."""

import json
from pathlib import Path

import psycopg
from django.core.management.base import CommandError

from pharmacies.row_security import OperatorCommand
from tiers_payant.backup import (
    BackupFailed,
    RestoreRefused,
    backup_restore,
    restored_database_connection,
    table_fingerprint,
)


class Command(OperatorCommand):
    help = ("Restaure une sauvegarde dans une nouvelle base (jamais par-dessus la base en service), "
            "puis compare lignes et montants de chaque table avec l'empreinte de la sauvegarde.")

    def add_arguments(self, parser):
        parser.add_argument("--dump", type=Path, required=True, help="fichier .dump de `backup`")
        parser.add_argument("--media", type=Path, help="archive -media.tar.gz de `backup`")
        parser.add_argument("--media-root", type=Path, help="où restaurer les fichiers (défaut : MEDIA_ROOT)")
        parser.add_argument("--into", required=True, help="nom de la nouvelle base à créer")

    def handle(self, *args, dump: Path, media: Path | None, media_root: Path | None, into: str, **options):
        if not dump.exists():
            raise CommandError(f"{dump} introuvable.")
        try:
            backup_restore(database_dump=dump, media_archive=media, into_database=into, media_root=media_root)
        except (RestoreRefused, BackupFailed) as refusal:
            raise CommandError(str(refusal)) from None
        expected_file = dump.with_suffix(".json")
        if not expected_file.exists():
            self.stdout.write(f"Base {into} restaurée (pas d'empreinte à comparer).")
            return
        restored = _fingerprint_of(into)
        differences = sorted(
            table for table, figures in json.loads(expected_file.read_text()).items()
            if restored.get(table) != figures
        )
        if differences:
            raise CommandError("Restauration différente de la sauvegarde pour : " + ", ".join(differences))
        self.stdout.write(self.style.SUCCESS(
            f"Base {into} restaurée : {len(restored)} tables, lignes et montants identiques à la sauvegarde."
        ))


def _fingerprint_of(database_name: str) -> dict:
    """The restored database's fingerprint, read on a connection of its own, operators' scope."""
    with psycopg.connect(**restored_database_connection(database_name)) as restored:
        return table_fingerprint(using_connection=restored)
