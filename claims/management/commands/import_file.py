"""`manage.py import_file --pharmacy FINESS PATH... [--yes]`: the pipeline, for scripts and bulk loads.

Without `--yes` each file is analysed (nothing written) and its preview printed;
with `--yes` each file clean of problems is committed in one pass (the same
transaction that validates it). Exit status 1 when a file was refused.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from claims.imports.selectors import import_batch_summary
from claims.imports.services import ImportRefused, import_batch_cancel, import_file_run
from claims.models import ImportBatch
from pharmacies.models import Pharmacy
from pharmacies.row_security import OperatorCommand


class Command(OperatorCommand):
    help = "Importe des fichiers (factures, retours, relevés bancaires) pour une pharmacie."

    def add_arguments(self, parser):
        parser.add_argument("--pharmacy", required=True, help="FINESS de la pharmacie")
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--yes", action="store_true", help="importer sans demander de confirmation")
        parser.add_argument("--max-bytes", type=int, default=None,
                            help="taille maximale d'un fichier (par défaut celle des pages)")

    def handle(self, *args, pharmacy: str, paths: list[Path], yes: bool, max_bytes: int | None, **options):
        try:
            target = Pharmacy.objects.get(finess=pharmacy.strip().upper())
        except Pharmacy.DoesNotExist:
            raise CommandError(f"Aucune pharmacie de FINESS {pharmacy}.") from None
        refused = 0
        for path in paths:
            if not path.is_file():
                self.stderr.write(f"{path} : fichier introuvable")
                refused += 1
                continue
            try:
                batch = import_file_run(pharmacy=target, path=path, commit=yes, max_bytes=max_bytes)
            except ImportRefused as refusal:
                self.stderr.write(f"{path} : {refusal.message}")
                refused += 1
                continue
            self._report(path, batch)
            refused += batch.status == ImportBatch.Status.FAILED
            if batch.status == ImportBatch.Status.PREVIEW:
                # The file stays where it is, not in the upload folder: nothing to confirm later.
                import_batch_cancel(batch=batch)
                self.stdout.write("  (aperçu seulement, rien n'est enregistré : relancez avec --yes pour importer)")
        if refused:
            raise CommandError(f"{refused} fichier(s) refusé(s) sur {len(paths)}.", returncode=1)

    def _report(self, path: Path, batch: ImportBatch) -> None:
        style = self.style.SUCCESS if batch.status == ImportBatch.Status.COMMITTED else (
            self.style.ERROR if batch.status == ImportBatch.Status.FAILED else self.style.WARNING
        )
        self.stdout.write(style(f"{path} : {batch.get_kind_display()} ({batch.file_format}) — {batch.get_status_display()}"))
        for label, value, _ in import_batch_summary(batch=batch):
            self.stdout.write(f"  {label} : {value}")
        for note in batch.counts.get("notes", []):
            self.stdout.write(f"  ! {note}")
        for error in batch.errors[:20]:
            where = ", ".join(
                part for part in (
                    f"ligne {error['line']}" if error["line"] else "",
                    f"colonne {error['column']}" if error["column"] else "",
                ) if part
            )
            self.stdout.write(f"  {where + ' : ' if where else ''}{error['message']}")
        if len(batch.errors) > 20 or batch.counts.get("problems", 0) > len(batch.errors):
            self.stdout.write(f"  … {batch.counts.get('problems')} problèmes en tout")
