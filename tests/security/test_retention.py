"""Personal data retention (issue 9, item 5)."""

import datetime as dt
from decimal import Decimal

from django.core.management import call_command

from claims.models import Claim
from claims.retention import patient_identity_purge
from tests.factories import ClaimFactory


def test_old_claims_lose_the_patient_identity_but_keep_the_accounting(db):
    old = ClaimFactory(care_date=dt.date(2020, 1, 10), amount_claimed=Decimal("12.30"), birth_rank=1)
    recent = ClaimFactory(pharmacy=old.pharmacy, care_date=dt.date(2026, 10, 1))

    purged = patient_identity_purge(pharmacy_ids=[old.pharmacy_id], cutoff=dt.date(2023, 11, 23))

    assert purged == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.patient_name, old.nir, old.nir_key, old.birth_rank) == ("", "", "", None)
    assert old.amount_claimed == Decimal("12.30") and old.invoice_number and old.status
    assert recent.patient_name and recent.nir


def test_the_purge_touches_only_the_pharmacies_named(db):
    mine = ClaimFactory(care_date=dt.date(2019, 5, 1))
    other = ClaimFactory(care_date=dt.date(2019, 5, 1))
    patient_identity_purge(pharmacy_ids=[mine.pharmacy_id], cutoff=dt.date(2023, 1, 1))
    other.refresh_from_db()
    assert other.nir


def test_the_command_uses_the_retention_setting(db, settings, capsys):
    settings.PATIENT_DATA_RETENTION_DAYS = 30
    ClaimFactory(care_date=dt.date.today() - dt.timedelta(days=40))
    ClaimFactory(care_date=dt.date.today() - dt.timedelta(days=5))
    call_command("purge_patient_data")
    assert "1 facture(s) anonymisée(s)" in capsys.readouterr().out
    assert Claim.objects.filter(nir="").count() == 1
