"""The import pages: upload → preview → confirm, refusals, history, and who may use them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.imports.storage import import_file_path
from claims.models import Claim, ImportBatch
from tests.imports.helpers import DATA, claims_text, snapshot

# The views enqueue their tasks at commit: each request commits at its end here too.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("requests_commit")]


def imports_url(pharmacy) -> str:
    return reverse("claims:imports", kwargs={"pharmacy_id": pharmacy.pk})


def batch_url(batch, name: str = "batch") -> str:
    return reverse(f"claims:{name}", kwargs={"pharmacy_id": batch.pharmacy_id, "batch_id": batch.pk})


def upload(client, pharmacy, name: str, content: bytes):
    return client.post(imports_url(pharmacy), {"file": SimpleUploadedFile(name, content)})


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_import_page_shows_the_form_and_the_history(login, titulaire_a, pharmacy_a):
    response = login(titulaire_a).get(imports_url(pharmacy_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Déposez un fichier" in html and "js/imports.js" in html
    assert "<script>" not in html  # CSP: no inline script


def test_upload_preview_then_confirm_imports_the_claims(login, preparateur_a, pharmacy_a):
    client = login(preparateur_a)
    response = upload(client, pharmacy_a, "factures.csv", claims_text(pharmacy_a.finess, 3).encode())
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == batch_url(batch)
    assert batch.status == ImportBatch.Status.PREVIEW and batch.created_by == preparateur_a
    assert not Claim.objects.exists()

    page = client.get(batch_url(batch)).content.decode()
    assert "Ce que l'import va faire" in page and "Factures créées" in page
    assert "Confirmer l'import" in page

    response = client.post(batch_url(batch, "confirm"))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Claim.objects.filter(pharmacy=pharmacy_a).count() == 3
    assert not import_file_path(pharmacy_id=pharmacy_a.pk, sha256=batch.sha256).exists()
    history = client.get(imports_url(pharmacy_a)).content.decode()
    assert "factures.csv" in history and "Importé" in history


def test_a_second_confirmation_does_nothing(login, titulaire_a, pharmacy_a):
    client = login(titulaire_a)
    upload(client, pharmacy_a, "factures.csv", claims_text(pharmacy_a.finess, 2).encode())
    batch = ImportBatch.objects.get()
    client.post(batch_url(batch, "confirm"))
    before = snapshot()
    response = client.post(batch_url(batch, "confirm"), follow=True)
    assert "plus de confirmation" in response.content.decode()
    assert snapshot() == before


def test_cancel_writes_nothing(login, titulaire_a, pharmacy_a):
    client = login(titulaire_a)
    upload(client, pharmacy_a, "factures.csv", claims_text(pharmacy_a.finess, 2).encode())
    batch = ImportBatch.objects.get()
    response = client.post(batch_url(batch, "cancel"), follow=True)
    assert "annulé" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert not Claim.objects.exists()


def test_the_progress_partial_polls_while_pending_and_stops_after(login, titulaire_a, pharmacy_a):
    batch = ImportBatch.objects.create(
        pharmacy=pharmacy_a, kind="claims", file_name="gros.csv", sha256="0" * 64, progress=42
    )
    client = login(titulaire_a)
    partial = client.get(batch_url(batch), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in partial and 'value="42"' in partial
    assert "<html" not in partial
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
    partial = client.get(batch_url(batch), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial and "Fichier refusé" in partial


def test_a_file_with_bad_rows_shows_its_errors_in_french(login, titulaire_a, pharmacy_a, pharmacy_b):
    client = login(titulaire_a)
    upload(client, pharmacy_a, "autre.csv", claims_text(pharmacy_b.finess, 2).encode())
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    page = client.get(batch_url(batch)).content.decode()
    assert "Fichier refusé" in page and "FINESS" in page and "Confirmer" not in page


def test_an_already_imported_file_is_refused_with_the_earlier_import(login, titulaire_a, pharmacy_a):
    client = login(titulaire_a)
    content = (DATA / "cfonb" / "pennylane-example.txt").read_bytes()
    upload(client, pharmacy_a, "releve-mai.txt", content)
    # Its two accounts are new: the person ticks "Créer le compte …" for both (issue 19).
    client.post(batch_url(ImportBatch.objects.get(), "confirm"), {"create_account": [
        "15589/00000/98765432100", "18706/00000/00123456789"]})
    assert ImportBatch.objects.get().status == ImportBatch.Status.COMMITTED
    before = snapshot()
    response = upload(client, pharmacy_a, "releve-copie.txt", content)
    assert response.status_code == 400
    html = response.content.decode()
    assert "déjà été importé le" in html and "releve-mai.txt" in html
    assert ImportBatch.objects.count() == 1 and snapshot() == before


def test_a_file_over_the_limit_is_refused_by_its_size(login, titulaire_a, pharmacy_a, settings):
    settings.IMPORT_MAX_BYTES = 1024
    response = upload(login(titulaire_a), pharmacy_a, "gros.csv", b"x" * 2048)
    assert response.status_code == 400
    assert "trop volumineux" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_unknown_format_is_refused_without_a_500(login, titulaire_a, pharmacy_a):
    response = upload(login(titulaire_a), pharmacy_a, "note.txt", b"bonjour, ceci n'est pas un export\n")
    assert response.status_code == 400
    assert "non reconnu" in response.content.decode()


def test_a_manager_imports_for_a_delegated_pharmacy(login, manager_a, pharmacy_b):
    client = login(manager_a)
    upload(client, pharmacy_b, "factures.csv", claims_text(pharmacy_b.finess, 1).encode())
    batch = ImportBatch.objects.get()
    client.post(batch_url(batch, "confirm"))
    assert Claim.objects.filter(pharmacy=pharmacy_b).count() == 1


def test_another_managers_pharmacy_answers_404(login, manager_c, pharmacy_a):
    client = login(manager_c)
    assert client.get(imports_url(pharmacy_a)).status_code == 404
    response = upload(client, pharmacy_a, "factures.csv", claims_text(pharmacy_a.finess, 1).encode())
    assert response.status_code == 404
    assert not ImportBatch.objects.exists()


def test_a_batch_is_not_reachable_through_another_pharmacy(login, titulaire_a, manager_c, pharmacy_a, pharmacy_c):
    batch = ImportBatch.objects.create(pharmacy=pharmacy_a, kind="claims", file_name="a.csv", sha256="1" * 64)
    client = login(manager_c)
    # Its own pharmacy's URL with A's batch id, and A's URL: both 404.
    other = reverse("claims:batch", kwargs={"pharmacy_id": pharmacy_c.pk, "batch_id": batch.pk})
    assert client.get(other).status_code == 404
    assert client.get(batch_url(batch)).status_code == 404
    assert client.post(batch_url(batch, "confirm")).status_code == 404
    assert client.post(batch_url(batch, "cancel")).status_code == 404


def test_staff_of_a_pharmacy_cannot_see_another_ones_imports(login, titulaire_a, pharmacy_b):
    assert login(titulaire_a).get(imports_url(pharmacy_b)).status_code == 404


def test_anonymous_users_are_sent_to_the_login_page(client, pharmacy_a):
    response = client.get(imports_url(pharmacy_a))
    assert response.status_code == 302 and "/comptes/login/" in response.url


def _bad_files(finess_a: str, finess_b: str) -> dict[str, bytes]:
    cfonb = (DATA / "cfonb" / "pennylane-example.txt").read_text().splitlines()
    ofx = (DATA / "ofx" / "oca-test_ofx.ofx").read_text()
    camt = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
    return {
        "empty": b"",
        "header-only": claims_text(finess_a, 0).encode(),
        "wrong-separator": claims_text(finess_a, 2).replace(";", "|").encode(),
        "truncated-cfonb": "\n".join([cfonb[0], cfonb[2][:70]]).encode(),
        "cfonb-no-breaks": "".join(line.ljust(120) for line in cfonb if line).encode(),
        "05-before-04": "\n".join([cfonb[0], cfonb[3]]).encode(),
        "invalid-date": claims_text(finess_a, 1, care="32/13/2026").encode(),
        "xxe": f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>{camt}&x;'.encode(),
        "billion-laughs": (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                           f"{camt}&b;").encode(),
        "duplicate-fitid": ofx.replace("219379", "219378").encode(),
        "other-finess": claims_text(finess_b, 2).encode(),
        "windows-1252": claims_text(finess_a, 1, patient="CÉLESTIN Hélène").encode("cp1252"),
        "utf8-bom": claims_text(finess_a, 1).encode("utf-8-sig"),
    }


@pytest.mark.parametrize(
    "name",
    ["empty", "header-only", "wrong-separator", "truncated-cfonb", "cfonb-no-breaks", "05-before-04",
     "invalid-date", "xxe", "billion-laughs", "duplicate-fitid", "other-finess", "windows-1252", "utf8-bom"],
)
def test_bad_or_unusual_files_never_give_a_500(login, titulaire_a, pharmacy_a, pharmacy_b, name):
    content = _bad_files(pharmacy_a.finess, pharmacy_b.finess)[name]
    client = login(titulaire_a)
    before = snapshot()
    response = upload(client, pharmacy_a, f"{name}.txt", content)
    assert response.status_code in (302, 400)
    if response.status_code == 400:  # refused before parsing, with its message on the page
        assert "errorlist" in response.content.decode()
        assert snapshot() == before
        return
    batch = ImportBatch.objects.get()
    page = client.get(response.url)
    assert page.status_code == 200
    if name in ("cfonb-no-breaks", "windows-1252", "utf8-bom"):  # unusual but valid
        assert batch.status == ImportBatch.Status.PREVIEW
    else:
        assert batch.status == ImportBatch.Status.FAILED and batch.errors
        assert "Fichier refusé" in page.content.decode()
    assert snapshot() == before


def test_a_statement_of_a_new_account_is_imported_only_when_its_creation_is_ticked(
    login, titulaire_a, pharmacy_a
):
    from payments.models import BankAccount, BankLine

    client = login(titulaire_a)
    content = (DATA / "camt" / "oca-test-camt053.xml").read_bytes()
    upload(client, pharmacy_a, "camt.xml", content)
    batch = ImportBatch.objects.get()
    page = client.get(batch_url(batch)).content.decode()
    assert 'name="create_account" value="NL77ABNA0574908765"' in page
    assert "Créer le compte NL77ABNA0574908765 (EUR)" in page
    assert "pas encore un compte de la pharmacie" in page
    before = snapshot()
    client.post(batch_url(batch, "confirm"))  # not ticked
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["message"].startswith(
        "Le relevé est celui du compte NL77ABNA0574908765 (EUR), qui n'est pas un compte de la "
        f"pharmacie {pharmacy_a.name} : le fichier n'est pas importé."
    )
    assert snapshot() == before

    upload(client, pharmacy_a, "camt-bis.xml", content)
    again = ImportBatch.objects.latest("pk")
    client.post(batch_url(again, "confirm"), {"create_account": "NL77ABNA0574908765"})
    again.refresh_from_db()
    assert again.status == ImportBatch.Status.COMMITTED and again.counts["accounts_created"] == 1
    account = BankAccount.objects.get(pharmacy=pharmacy_a)
    assert (account.account_id, account.currency) == ("NL77ABNA0574908765", "EUR")
    assert BankLine.objects.filter(account=account).count() == 3


def test_the_report_of_another_pharmacys_file_counts_lines_and_says_it_once(
    login, titulaire_a, pharmacy_a, pharmacy_b
):
    import re

    client = login(titulaire_a)
    upload(client, pharmacy_a, "autre.csv", claims_text(pharmacy_b.finess, 300).encode())
    page = client.get(batch_url(ImportBatch.objects.get())).content.decode()
    cells = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">([^<]+)</td>', page))
    assert (cells["Lignes lues"], cells["Lignes refusées"]) == ("300", "300")
    assert page.count("différent de celui de la pharmacie") == 1
    assert "sur toutes les lignes du fichier (300), dont les lignes 2, 3, 4, 5, 6" in page
    assert "autres problèmes ne sont pas affichés" not in page
