# JobRun moves to pharmacies (the layers: the pages of lower apps show the last run).
# State only here; pharmacies/0005 takes the model over and renames its table.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("backoffice", "0005_audit_trail"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="JobRun")],
            database_operations=[],
        ),
    ]
