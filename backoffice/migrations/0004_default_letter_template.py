from django.db import migrations

BODY = """Madame, Monsieur,

Sauf erreur de notre part, les factures listées ci-dessous, transmises à {organisme} par la {pharmacie}, restent à ce jour impayées ou rejetées, pour un montant total de {total} ({nombre} factures).

Nous vous remercions de bien vouloir procéder à leur règlement, ou de nous indiquer le motif qui s'y oppose, dans un délai de quinze jours à compter du {date}.

Restant à votre disposition pour tout renseignement complémentaire, nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."""


def create(apps, schema_editor):
    LetterTemplate = apps.get_model("backoffice", "LetterTemplate")
    LetterTemplate.objects.get_or_create(
        name="Relance standard",
        defaults={"subject": "Relance : factures de tiers-payant en attente de règlement", "body": BODY},
    )


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0003_reminders_delegation_rules")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
