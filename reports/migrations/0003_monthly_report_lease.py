from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_monthly_claim_count'),
    ]

    operations = [
        migrations.AddField(
            model_name='monthlyreport',
            name='lease_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        # A report left in `rendering` before leases existed has lost its worker long
        # ago: its lease has already ended, so the next run claims it again.
        migrations.RunSQL(
            "UPDATE reports_monthlyreport SET lease_until = coalesce(claimed_at, now()) "
            "WHERE state = 'rendering'",
            migrations.RunSQL.noop,
        ),
    ]
