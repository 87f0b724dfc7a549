from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking the bank lines against the day's imports (as 0010).
    atomic = False

    dependencies = [
        ("payments", "0011_bank_line_kind"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="bankline",
            index=models.Index(
                condition=models.Q(
                    ("amount__gt", 0), ("kind", "insurer"), ("status__in", ["unmatched", "partial"])
                ),
                fields=["pharmacy", "booking_date"],
                include=("amount", "matched_amount"),
                name="bank_line_insurer_open",
            ),
        ),
    ]
