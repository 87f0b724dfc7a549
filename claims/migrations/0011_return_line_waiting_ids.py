from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking the return lines against the day's imports.
    atomic = False

    dependencies = [
        ("claims", "0010_returns_applied_per_import"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="returnline",
            index=models.Index(
                condition=models.Q(("claim__isnull", True)),
                fields=["pharmacy", "id"],
                name="return_line_waiting_ids",
            ),
        ),
    ]
