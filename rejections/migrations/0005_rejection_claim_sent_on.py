"""Each rejection carries its claim's transmission date (rejections/models.py).

Added empty, filled from the claims, then required; the index is built
concurrently (so is the fill's lock short: one UPDATE of the rejections, a
table of ~2.5 % of the claims).
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('claims', '0012_claim_not_paid_indexes'),
        ('rejections', '0004_audit_trail'),
    ]

    operations = [
        migrations.AddField(
            model_name='rejection',
            name='claim_sent_on',
            field=models.DateField(null=True, verbose_name='facture transmise le'),
        ),
        migrations.RunSQL(
            """
            UPDATE rejections_rejection r SET claim_sent_on = c.transmission_date
            FROM claims_claim c WHERE c.id = r.claim_id
            """,
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='rejection',
            name='claim_sent_on',
            field=models.DateField(verbose_name='facture transmise le'),
        ),
        AddIndexConcurrently(
            model_name='rejection',
            index=models.Index(fields=['pharmacy', 'claim_sent_on'], include=('claim',),
                               name='rejection_by_claim_sent_on'),
        ),
    ]
