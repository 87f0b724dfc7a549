"""The staff members' audit trail stays outside row-level security, as the staff table
itself (the access rule reads it; it holds no health data): a database that protected
it before `ACCESS_RULE_TABLES` listed it gets it back."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("pharmacies", "0005_jobrun")]

    operations = [
        migrations.RunSQL(
            [
                "DROP POLICY IF EXISTS tenant_isolation ON pharmacies_staffmemberhistory",
                "ALTER TABLE pharmacies_staffmemberhistory NO FORCE ROW LEVEL SECURITY",
                "ALTER TABLE pharmacies_staffmemberhistory DISABLE ROW LEVEL SECURITY",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
