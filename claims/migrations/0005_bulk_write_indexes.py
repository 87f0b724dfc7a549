"""Bulk writes into claims and return lines pay for each index and FK check per row.

- the pharmacy's own index goes: every composite index starts with pharmacy_id;
- (pharmacy, invoice, payer kind) on return lines goes: unique_return_line starts with it;
- organism and import_batch are no longer checked by the database (the imports
  lock the payers they use; batches are never deleted): docs/decisions.md, "Imports".

Django's AlterField would drop and re-add the pharmacy foreign key (a full
validation scan of the table) to change db_index alone: the database side is
written by hand instead.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0004_patient_data_access'),
        ('pharmacies', '0002_user_session_salt'),
    ]

    state_operations = [
        migrations.RemoveIndex(
            model_name='returnline',
            name='claims_retu_pharmac_5087d8_idx',
        ),
        migrations.AlterField(
            model_name='claim',
            name='import_batch',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='claims.importbatch'),
        ),
        migrations.AlterField(
            model_name='claim',
            name='organism',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='claims.organism'),
        ),
        migrations.AlterField(
            model_name='claim',
            name='pharmacy',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='pharmacies.pharmacy'),
        ),
        migrations.AlterField(
            model_name='returnline',
            name='import_batch',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='return_lines', to='claims.importbatch'),
        ),
        migrations.AlterField(
            model_name='returnline',
            name='organism',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='return_lines', to='claims.organism'),
        ),
        migrations.AlterField(
            model_name='returnline',
            name='pharmacy',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='return_lines', to='pharmacies.pharmacy'),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL(
                    """
                    DROP INDEX IF EXISTS claims_retu_pharmac_5087d8_idx;
                    DROP INDEX IF EXISTS claims_claim_pharmacy_id_4e7f6d81;
                    DROP INDEX IF EXISTS claims_returnline_pharmacy_id_cc922669;
                    ALTER TABLE claims_claim
                        DROP CONSTRAINT IF EXISTS claims_claim_organism_id_ad79bbc6_fk_claims_organism_id,
                        DROP CONSTRAINT IF EXISTS claims_claim_import_batch_id_a9a94f94_fk_claims_importbatch_id;
                    ALTER TABLE claims_returnline
                        DROP CONSTRAINT IF EXISTS claims_returnline_organism_id_36ad6756_fk_claims_organism_id,
                        DROP CONSTRAINT IF EXISTS claims_returnline_import_batch_id_db377b68_fk_claims_im;
                    """,
                    reverse_sql="""
                    CREATE INDEX claims_retu_pharmac_5087d8_idx
                        ON claims_returnline (pharmacy_id, invoice_number, payer_kind);
                    CREATE INDEX claims_claim_pharmacy_id_4e7f6d81 ON claims_claim (pharmacy_id);
                    CREATE INDEX claims_returnline_pharmacy_id_cc922669 ON claims_returnline (pharmacy_id);
                    ALTER TABLE claims_claim
                        ADD CONSTRAINT claims_claim_organism_id_ad79bbc6_fk_claims_organism_id
                        FOREIGN KEY (organism_id) REFERENCES claims_organism (id) DEFERRABLE INITIALLY DEFERRED,
                        ADD CONSTRAINT claims_claim_import_batch_id_a9a94f94_fk_claims_importbatch_id
                        FOREIGN KEY (import_batch_id) REFERENCES claims_importbatch (id) DEFERRABLE INITIALLY DEFERRED;
                    ALTER TABLE claims_returnline
                        ADD CONSTRAINT claims_returnline_organism_id_36ad6756_fk_claims_organism_id
                        FOREIGN KEY (organism_id) REFERENCES claims_organism (id) DEFERRABLE INITIALLY DEFERRED,
                        ADD CONSTRAINT claims_returnline_import_batch_id_db377b68_fk_claims_im
                        FOREIGN KEY (import_batch_id) REFERENCES claims_importbatch (id) DEFERRABLE INITIALLY DEFERRED;
                    """,
                ),
            ],
        ),
    ]
