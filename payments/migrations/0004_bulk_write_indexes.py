"""The pharmacy's own index on bulk-written payment tables goes (every composite index
starts with pharmacy_id); a slip's import batch is no longer checked by the database
(batches are never deleted). The database side is written by hand so that the
pharmacy foreign keys are not dropped and re-validated (docs/decisions.md, "Imports").
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0005_bulk_write_indexes'),
        ('payments', '0003_match_proposal_manual_decision'),
        ('pharmacies', '0002_user_session_salt'),
    ]

    state_operations = [
        migrations.AlterField(
            model_name='bankline',
            name='pharmacy',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='bank_lines', to='pharmacies.pharmacy'),
        ),
        migrations.AlterField(
            model_name='paymentslip',
            name='import_batch',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payment_slips', to='claims.importbatch'),
        ),
        migrations.AlterField(
            model_name='paymentslip',
            name='pharmacy',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='payment_slips', to='pharmacies.pharmacy'),
        ),
        migrations.AlterField(
            model_name='reconciliation',
            name='pharmacy',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pharmacies.pharmacy'),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL(
                    """
                    DROP INDEX IF EXISTS payments_bankline_pharmacy_id_08928c78;
                    DROP INDEX IF EXISTS payments_paymentslip_pharmacy_id_56d2e5bd;
                    DROP INDEX IF EXISTS payments_reconciliation_pharmacy_id_459438fa;
                    ALTER TABLE payments_paymentslip
                        DROP CONSTRAINT IF EXISTS payments_paymentslip_import_batch_id_25d04d05_fk_claims_im;
                    """,
                    reverse_sql="""
                    CREATE INDEX payments_bankline_pharmacy_id_08928c78 ON payments_bankline (pharmacy_id);
                    CREATE INDEX payments_paymentslip_pharmacy_id_56d2e5bd ON payments_paymentslip (pharmacy_id);
                    CREATE INDEX payments_reconciliation_pharmacy_id_459438fa
                        ON payments_reconciliation (pharmacy_id);
                    ALTER TABLE payments_paymentslip
                        ADD CONSTRAINT payments_paymentslip_import_batch_id_25d04d05_fk_claims_im
                        FOREIGN KEY (import_batch_id) REFERENCES claims_importbatch (id)
                        DEFERRABLE INITIALLY DEFERRED;
                    """,
                ),
            ],
        ),
    ]
