from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # The new partial indexes are built before the old ones go, without locking the
    # tables against the day's imports.
    atomic = False

    dependencies = [
        ("payments", "0009_bank_line_match_text"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="paymentslip",
            index=models.Index(
                condition=models.Q(("status", "matched"), _negated=True),
                fields=["pharmacy", "payment_date"],
                name="slip_open_by_date",
            ),
        ),
        AddIndexConcurrently(
            model_name="bankline",
            index=models.Index(
                condition=models.Q(("status__in", ["matched", "ignored"]), _negated=True),
                fields=["pharmacy", "booking_date"],
                include=["status", "amount"],
                name="bank_line_open_by_date",
            ),
        ),
        RemoveIndexConcurrently(model_name="paymentslip", name="payments_pa_pharmac_cb95a6_idx"),
        RemoveIndexConcurrently(model_name="bankline", name="payments_ba_pharmac_defc95_idx"),
    ]
