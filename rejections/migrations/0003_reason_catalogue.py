from django.db import migrations


def load(apps, schema_editor):
    from rejections.catalogue_load import reason_catalogue_sync

    reason_catalogue_sync(apps.get_model("rejections", "RejectionReason"))


class Migration(migrations.Migration):
    dependencies = [("rejections", "0002_unpaid_follow_up")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
