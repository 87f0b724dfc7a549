from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # The new partial indexes are built before the old ones go, without locking the
    # claims against the day's imports.
    atomic = False

    dependencies = [
        ("claims", "0011_return_line_waiting_ids"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("status", "paid"), _negated=True),
                fields=["pharmacy", "status", "transmission_date"],
                include=["amount_claimed", "amount_paid", "id"],
                name="claim_not_paid_by_status",
            ),
        ),
        AddIndexConcurrently(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("status", "paid"), _negated=True),
                fields=["pharmacy", "organism", "status"],
                name="claim_not_paid_by_organism",
            ),
        ),
        AddIndexConcurrently(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("status", "paid"), _negated=True),
                fields=["pharmacy", "operator_code"],
                name="claim_not_paid_by_operator",
            ),
        ),
        RemoveIndexConcurrently(model_name="claim", name="claims_clai_pharmac_971091_idx"),
        RemoveIndexConcurrently(model_name="claim", name="claims_clai_pharmac_6db3f2_idx"),
        RemoveIndexConcurrently(model_name="claim", name="claims_clai_pharmac_13c168_idx"),
    ]
