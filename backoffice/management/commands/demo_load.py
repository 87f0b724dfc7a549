"""`manage.py demo_load --data DIR`: a generated data set through the import pipeline.

For each pharmacy of `DIR/pharmacies.json` that already exists (`demo_setup`
creates them), month by month in order: claims, then returns, then the bank
statement — the order the files arrive in a real month. Each file goes
through the same services as the import page; a file already imported is
skipped, so running it twice changes nothing.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import CommandError

from claims.imports.services import ImportRefused, import_file_run
from claims.models import ImportBatch
from pharmacies.models import Pharmacy
from pharmacies.row_security import OperatorCommand

MONTH_FILES = ("factures.csv", "retours.csv", "releve.cfonb", "releve.camt.xml", "releve.ofx", "releve.csv")


def month_files(month_dir: Path) -> list[Path]:
    return [month_dir / name for name in MONTH_FILES if (month_dir / name).is_file()]


class Command(OperatorCommand):
    help = "Charge un jeu de données généré (generate_data) par les imports, mois par mois."

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, type=Path, help="dossier produit par generate_data")
        parser.add_argument("--pharmacy", action="append", default=[], help="FINESS (répétable) ; toutes par défaut")

    def handle(self, *args, data: Path, pharmacy: list[str], **options):
        listing = data / "pharmacies.json"
        if not listing.exists():
            raise CommandError(f"{listing} introuvable : lancez d'abord generate_data.")
        wanted = [entry["finess"] for entry in json.loads(listing.read_text(encoding="utf-8"))]
        if pharmacy:
            wanted = [finess for finess in wanted if finess in set(pharmacy)]
        known = {p.finess: p for p in Pharmacy.objects.filter(finess__in=wanted)}
        missing = [finess for finess in wanted if finess not in known]
        if missing:
            self.stderr.write(f"Pharmacies absentes (lancez demo_setup) : {', '.join(missing)}")
        failures = 0
        for finess in wanted:
            if finess not in known:
                continue
            target = known[finess]
            for month_dir in sorted(p for p in (data / finess).iterdir() if p.is_dir()):
                for path in month_files(month_dir):
                    failures += self._load(target, path)
        if failures:
            raise CommandError(f"{failures} fichier(s) refusé(s).", returncode=1)

    def _load(self, pharmacy: Pharmacy, path: Path) -> int:
        started = time.perf_counter()
        label = f"{pharmacy.finess}/{path.parent.name}/{path.name}"
        try:
            batch = import_file_run(pharmacy=pharmacy, path=path, commit=True)
        except ImportRefused as refusal:
            if "déjà été importé" in refusal.message:
                self.stdout.write(f"{label} : déjà importé")
                return 0
            self.stderr.write(f"{label} : {refusal.message}")
            return 1
        elapsed = time.perf_counter() - started
        if batch.status != ImportBatch.Status.COMMITTED:
            first = batch.errors[0]["message"] if batch.errors else ""
            self.stderr.write(f"{label} : refusé ({batch.counts.get('problems', 0)} problèmes) {first}")
            return 1
        counts = batch.counts
        self.stdout.write(
            f"{label} : {counts.get('rows', 0)} lignes, {counts.get('created', 0)} créées "
            f"({elapsed:.1f} s)"
        )
        for note in counts.get("notes", []):
            self.stdout.write(f"  ! {note}")
        return 0
