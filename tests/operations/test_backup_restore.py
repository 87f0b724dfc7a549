"""The restore drill: dump, restore into a fresh database, same rows and money, the app starts on it
(issue 18, item 10)."""

import json
import os
import subprocess
import sys
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from claims.models import Claim
from rejections.models import Attachment
from tests.factories import BankLineFactory, ClaimFactory, PaymentSlipFactory, RejectionFactory
from tests.workers import test_database_url
from tiers_payant.backup import restored_database_connection, table_fingerprint


@pytest.fixture
def restored_name():
    name = settings.DATABASES["default"]["NAME"] + "_restored"
    yield name
    with psycopg.connect(**restored_database_connection("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)  # pg_dump reads committed rows only
def test_a_backup_restores_into_a_fresh_database_with_the_same_rows_money_and_files(
    tmp_path, settings, pharmacy_a, pharmacy_b, restored_name
):
    settings.MEDIA_ROOT = tmp_path / "media"
    ClaimFactory.create_batch(5, pharmacy=pharmacy_a, amount_claimed=Decimal("23.66"))
    ClaimFactory.create_batch(3, pharmacy=pharmacy_b, amount_claimed=Decimal("1234.56"))
    rejection = RejectionFactory(pharmacy=pharmacy_a)
    PaymentSlipFactory(pharmacy=pharmacy_b)
    BankLineFactory(pharmacy=pharmacy_a, amount=Decimal("118.30"))
    Attachment.objects.create(
        pharmacy=pharmacy_a, rejection=rejection, original_name="ordonnance.pdf",
        content_type="application/pdf", size_bytes=13, file=ContentFile(b"%PDF-1.4 scan", name="ordonnance.pdf"),
    )

    call_command("backup", dir=tmp_path / "backups")
    dump = next((tmp_path / "backups").glob("*.dump"))
    fingerprint = json.loads(dump.with_suffix(".json").read_text())
    claims = Claim.objects.aggregate(rows=Count("pk"), amount=Sum("amount_claimed"))
    assert fingerprint["claims_claim"]["rows"] == str(claims["rows"]) != "0"
    assert Decimal(fingerprint["claims_claim"]["amount_claimed"]) == claims["amount"]

    restored_media = tmp_path / "restored-media"
    call_command("restore", dump=dump, media=next((tmp_path / "backups").glob("*-media.tar.gz")),
                 media_root=restored_media, into=restored_name)

    with psycopg.connect(**restored_database_connection(restored_name)) as restored:
        assert table_fingerprint(using_connection=restored) == table_fingerprint()
    assert (restored_media / Attachment.objects.get().file.name).read_bytes() == b"%PDF-1.4 scan"

    # The application starts on the restored database: no migration missing, checks clean.
    url = test_database_url().rsplit("/", 1)[0] + "/" + restored_name
    for command in (["migrate", "--check"], ["check", "--database", "default"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_a_restore_never_goes_over_an_existing_database(db, tmp_path):
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"")
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("restore", dump=dump, into=settings.DATABASES["default"]["NAME"])
