from django.db import migrations


def load(apps, schema_editor):
    from claims.reference_load import organism_reference_sync

    organism_reference_sync(apps.get_model("claims", "Organism"))


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
