# JobRun comes from backoffice (backoffice/0006): the model's state with its existing
# table, then the table, and its index, take pharmacies' names.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pharmacies", "0004_staff_member_audit_trail"),
        ("backoffice", "0006_jobrun_moves_to_pharmacies"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="JobRun",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("job", models.CharField(choices=[("nightly", "Traitement de nuit"), ("monthly_report", "Rapport mensuel")], max_length=20)),
                        ("period", models.CharField(help_text="AAAA-MM-JJ ou AAAA-MM", max_length=10, verbose_name="période")),
                        ("state", models.CharField(choices=[("pending", "En attente"), ("running", "En cours"), ("done", "Terminé"), ("failed", "Échec")], default="pending", max_length=10)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("stats", models.JSONField(blank=True, default=dict)),
                        ("error", models.TextField(blank=True)),
                        ("pharmacy", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="job_runs", to="pharmacies.pharmacy")),
                    ],
                    options={
                        "verbose_name": "exécution de tâche",
                        "db_table": "backoffice_jobrun",
                        "indexes": [models.Index(fields=["pharmacy", "job", "-finished_at"], name="backoffice__pharmac_f215f8_idx")],
                        "constraints": [models.UniqueConstraint(fields=("pharmacy", "job", "period"), name="unique_job_run")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="jobrun", table=None),
        migrations.RenameIndex(
            model_name="jobrun",
            new_name="pharmacies__pharmac_c4753e_idx",
            old_name="backoffice__pharmac_f215f8_idx",
        ),
    ]
