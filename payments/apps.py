from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Paiements"

    def ready(self):
        # Imported here: apps.py is loaded before the models are.
        # Claims, below payments, imports the files; payments writes its own tables
        # (bank statements, the slips of a returns file): claims.imports.followers.
        from claims.imports.followers import SlipsWriter, importer_register, slips_writer_register
        from claims.models import ImportBatch
        from payments.services import slips_create_from_returns, slips_totals_from_returns
        from payments.statement_import import statement_import

        importer_register(kind=ImportBatch.Kind.BANK, importer=statement_import)
        slips_writer_register(
            SlipsWriter(create=slips_create_from_returns, totals=slips_totals_from_returns)
        )
