"""`manage.py generate_data`: the synthetic data set (see the `synthetic` package), a demo command."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from synthetic.run import DEFAULT_END_MONTH, add_arguments, generate


class Command(BaseCommand):
    help = (
        "Génère des données synthétiques (factures, retours, relevés bancaires, vérité) "
        f"par pharmacie et par mois ; par défaut les mois se terminant en {DEFAULT_END_MONTH}."
    )

    def add_arguments(self, parser) -> None:
        add_arguments(parser)

    def handle(self, *args, **options) -> None:
        summary = generate(
            seed=options["seed"], pharmacies=options["pharmacies"], months=options["months"],
            out=options["out"], start=options["start"], scale=options["size"],
            jobs=options["jobs"],
        )
        self.stdout.write(json.dumps(summary))
