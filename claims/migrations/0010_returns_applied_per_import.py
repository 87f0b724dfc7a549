"""Applied returns are recorded per import batch, no longer per line (claims/returns.py).

A committed returns import whose lines were all applied is marked applied; one
with a line still unapplied is left for the next night, which recomputes its
claims (idempotent).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0009_merge_20261123_1549'),
        ('payments', '0008_reconciliation_recovery_share'),
        ('pharmacies', '0003_audit_trail'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='returnline',
            name='return_line_not_applied',
        ),
        migrations.RemoveIndex(
            model_name='returnline',
            name='return_line_to_apply_ids',
        ),
        migrations.AddField(
            model_name='importbatch',
            name='applied_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='appliqué par la nuit le'),
        ),
        migrations.RunSQL(
            """
            UPDATE claims_importbatch b SET applied_at = now()
            WHERE b.kind = 'returns' AND b.status = 'committed'
              AND NOT EXISTS (SELECT 1 FROM claims_returnline r
                              WHERE r.import_batch_id = b.id AND r.applied_at IS NULL)
            """,
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='returnline',
            index=models.Index(fields=['pharmacy', 'import_batch', 'id'], name='return_line_batch_ids'),
        ),
        migrations.RemoveField(
            model_name='returnline',
            name='applied_at',
        ),
    ]
