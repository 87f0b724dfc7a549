"""`import_file` and `demo_load`: the same pipeline from the command line."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from claims.models import Claim, ImportBatch, ReturnLine
from payments.models import BankLine, PaymentSlip
from pharmacies.models import Pharmacy
from tests.imports.helpers import DATA, claims_text, snapshot, write

pytestmark = pytest.mark.django_db


def test_import_file_with_yes_commits_each_file(pharmacy_a, tmp_path, capsys):
    claims = write(tmp_path, "factures.csv", claims_text(pharmacy_a.finess, 4))
    call_command("import_file", "--pharmacy", pharmacy_a.finess, str(claims),
                 str(DATA / "ofx" / "oca-test_ofx.ofx"), "--yes")
    out = capsys.readouterr().out
    assert "Factures créées : 4" in out and "Importé" in out
    assert Claim.objects.count() == 4 and BankLine.objects.count() == 4
    assert ImportBatch.objects.filter(status="committed", created_by=None).count() == 2


def test_import_file_without_yes_only_previews(pharmacy_a, tmp_path, capsys):
    claims = write(tmp_path, "factures.csv", claims_text(pharmacy_a.finess, 2))
    call_command("import_file", "--pharmacy", pharmacy_a.finess, str(claims))
    assert "aperçu seulement" in capsys.readouterr().out
    assert not Claim.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.CANCELLED


def test_import_file_reports_a_refused_file_and_fails(pharmacy_a, pharmacy_b, tmp_path, capsys):
    claims = write(tmp_path, "factures.csv", claims_text(pharmacy_b.finess, 2))
    before = snapshot()
    with pytest.raises(CommandError):
        call_command("import_file", "--pharmacy", pharmacy_a.finess, str(claims), "--yes")
    assert "colonne finess" in capsys.readouterr().out
    assert snapshot() == before


def test_import_file_refuses_a_file_imported_before(pharmacy_a, capsys):
    path = str(DATA / "cfonb" / "pennylane-example.txt")
    call_command("import_file", "--pharmacy", pharmacy_a.finess, path, "--yes")
    with pytest.raises(CommandError):
        call_command("import_file", "--pharmacy", pharmacy_a.finess, path, "--yes")
    assert "déjà été importé le" in capsys.readouterr().err


def test_import_file_needs_a_known_pharmacy(tmp_path):
    with pytest.raises(CommandError, match="Aucune pharmacie"):
        call_command("import_file", "--pharmacy", "999999999", str(tmp_path / "x.csv"), "--yes")


def test_demo_load_imports_a_generated_month_through_the_pipeline(tmp_path, capsys):
    out = tmp_path / "data"
    call_command("generate_data", "--seed", "7", "--pharmacies", "1", "--months", "1", "--out", str(out))
    call_command("demo_setup", "--data", str(out))
    call_command("demo_load", "--data", str(out))
    (entry,) = json.loads((out / "pharmacies.json").read_text())
    pharmacy = Pharmacy.objects.get(finess=entry["finess"])
    (month,) = [p for p in (out / entry["finess"]).iterdir() if p.is_dir()]
    truth = json.loads((month / "truth.json").read_text())

    assert Claim.objects.filter(pharmacy=pharmacy).count() == truth["counts"]["claims"]
    claimed = Claim.objects.filter(pharmacy=pharmacy).aggregate(s=Sum("amount_claimed"))["s"]
    assert claimed == Decimal(truth["amounts"]["claimed"])
    assert ReturnLine.objects.filter(pharmacy=pharmacy).exists()
    # Each transfer of the month pays the bordereaux it names: their SQL totals add up to it.
    checked = 0
    for transfer in truth["transfers"]:
        slips = PaymentSlip.objects.filter(pharmacy=pharmacy, reference__in=transfer["bordereaux"])
        if slips.count() == len(transfer["bordereaux"]):
            assert slips.aggregate(s=Sum("total"))["s"] == Decimal(transfer["amount"]), transfer
            checked += 1
    assert checked > len(truth["transfers"]) // 2
    assert BankLine.objects.filter(pharmacy=pharmacy).count() >= len(truth["transfers"])

    # A second run finds every file already imported and changes nothing.
    before = snapshot()
    call_command("demo_load", "--data", str(out))
    assert "déjà importé" in capsys.readouterr().out
    assert snapshot() == before
