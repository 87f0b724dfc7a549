"""The depositing script (tools/depot.py, issue 21 item 2) against a live test server."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from claims.models import Claim, ImportBatch
from pharmacies.api_tokens import api_token_create
from tests.imports.helpers import claims_text

SCRIPT = Path(settings.BASE_DIR) / "tools" / "depot.py"
# Not the project's virtualenv: the system's Python, with its standard library only.
SYSTEM_PYTHON = "/usr/bin/python3"


def test_the_script_is_python_3_9_and_standard_library_only():
    tree = ast.parse(SCRIPT.read_text(), feature_version=(3, 9))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported and imported <= sys.stdlib_module_names


def test_the_script_sends_a_folder_and_files_each_file_by_its_answer(
    live_server, settings, tmp_path, pharmacy_a, pharmacy_b, titulaire_a
):
    settings.MEDIA_ROOT = tmp_path / "media"
    _, plain = api_token_create(pharmacy=pharmacy_a, user=titulaire_a, name="Poste comptoir")
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "factures-lundi.csv").write_text(claims_text(pharmacy_a.finess, 3, start=100000001))
    (folder / "factures-mardi.csv").write_text(claims_text(pharmacy_a.finess, 2, start=200000001))
    # Another pharmacy's export: its FINESS is not A's.
    (folder / "factures-autre.csv").write_text(claims_text(pharmacy_b.finess, 2, start=300000001))

    run = subprocess.run(
        [SYSTEM_PYTHON, str(SCRIPT), "--adresse", live_server.url, "--pharmacie", str(pharmacy_a.pk),
         "--dossier", str(folder), "--attente", "0"],
        env={"PATH": os.environ.get("PATH", "/usr/bin"), "TIERS_PAYANT_JETON": plain},
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr  # one file refused
    assert sorted(p.name for p in folder.iterdir()) == ["envoyés", "refusés"]
    sent = folder / "envoyés"
    assert sorted(p.name for p in sent.iterdir()) == [
        "factures-lundi.csv", "factures-lundi.csv.reponse.json",
        "factures-mardi.csv", "factures-mardi.csv.reponse.json",
    ]
    for name, created in (("factures-lundi.csv", 3), ("factures-mardi.csv", 2)):
        answer = json.loads((sent / f"{name}.reponse.json").read_text(encoding="utf-8"))
        assert answer["status"] == "importé" and answer["counts"]["created"] == created
        assert answer["link"].startswith(f"{live_server.url}/pharmacies/{pharmacy_a.pk}/imports/")
    refused = folder / "refusés"
    assert sorted(p.name for p in refused.iterdir()) == ["factures-autre.csv", "factures-autre.csv.reponse.json"]
    answer = json.loads((refused / "factures-autre.csv.reponse.json").read_text(encoding="utf-8"))
    assert answer["status"] == "refusé" and answer["problems"][0]["line"] == 2
    assert "FINESS" in answer["problems"][0]["message"]
    assert Claim.objects.filter(pharmacy=pharmacy_a).count() == 5
    assert list(ImportBatch.objects.order_by("file_name").values_list("file_name", "status")) == [
        ("factures-autre.csv", "failed"), ("factures-lundi.csv", "committed"), ("factures-mardi.csv", "committed"),
    ]

    # A second run finds nothing new, and a file put back is "déjà importé", filed as sent.
    (sent / "factures-lundi.csv").replace(folder / "factures-lundi.csv")
    run = subprocess.run(
        [SYSTEM_PYTHON, str(SCRIPT), "--adresse", live_server.url, "--pharmacie", str(pharmacy_a.pk),
         "--dossier", str(folder), "--attente", "0"],
        env={"PATH": os.environ.get("PATH", "/usr/bin"), "TIERS_PAYANT_JETON": plain},
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    answer = json.loads((sent / "factures-lundi-2.csv.reponse.json").read_text(encoding="utf-8"))
    assert answer["status"] == "déjà importé"
