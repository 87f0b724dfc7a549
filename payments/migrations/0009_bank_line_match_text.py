"""A bank line's text as the matching reads it, computed once when the line is written.

`match_normalize` is the one definition of the matching's normalisation (upper
case, accents off, anything but letters and digits turned into one space); the
nightly matching calls it for payer names and slip references, and a trigger
fills `match_text` whenever a bank line's label or complements are written.
(Accents are translated before upper(): a database in the C locale does not
upper-case them.)
"""

from django.db import migrations, models

NORMALIZE = """
CREATE OR REPLACE FUNCTION match_normalize(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN regexp_replace(
    upper(translate(value, 'àâäçéèêëîïôöùûüÿÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ', 'aaaceeeeiioouuuyAAACEEEEIIOOUUUY')),
    '[^A-Z0-9]+', ' ', 'g');

CREATE OR REPLACE FUNCTION payments_bankline_match_text() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.match_text := ' ' || match_normalize(NEW.label || ' ' || coalesce(NEW.details::text, '')) || ' ';
    RETURN NEW;
END $$;

CREATE TRIGGER bankline_match_text
BEFORE INSERT OR UPDATE OF label, details ON payments_bankline
FOR EACH ROW EXECUTE FUNCTION payments_bankline_match_text();

UPDATE payments_bankline SET label = label;
"""

DROP = """
DROP TRIGGER IF EXISTS bankline_match_text ON payments_bankline;
DROP FUNCTION IF EXISTS payments_bankline_match_text();
DROP FUNCTION IF EXISTS match_normalize(text);
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0008_reconciliation_recovery_share")]

    operations = [
        migrations.AddField(
            model_name="bankline",
            name="match_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunSQL(NORMALIZE, DROP),
    ]
