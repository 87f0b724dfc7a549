"""Machines deposit files with a token (issue 21, item 1): the page's pipeline, answered in JSON."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse

from audit.tracking import event_model_for
from claims.models import Claim, ImportBatch
from payments.models import BankLine
from pharmacies.api_tokens import api_token_create, api_token_revoke
from pharmacies.models import ApiToken
from tests.imports.helpers import DATA, claims_text
from tests.security.test_request_body_limit import EndlessBody

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def token_a(pharmacy_a, titulaire_a):
    return api_token_create(pharmacy=pharmacy_a, user=titulaire_a, name="Poste comptoir")


def deposit_url(pharmacy) -> str:
    return reverse("api:deposit", kwargs={"pharmacy_id": pharmacy.pk})


def deposit(pharmacy, plain: str, name: str, content: bytes):
    return Client().post(
        deposit_url(pharmacy), {"fichier": SimpleUploadedFile(name, content)},
        headers={"Authorization": f"Bearer {plain}"},
    )


def raw_post(path: str, *, length: int, authorization: str = "") -> tuple[int, EndlessBody, bytes]:
    """A POST of `length` announced bytes whose body counts what the server reads of it."""
    body = EndlessBody()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": body, "wsgi.errors": None,
        "CONTENT_TYPE": "multipart/form-data; boundary=----x", "CONTENT_LENGTH": str(length),
    }
    if authorization:
        environ["HTTP_AUTHORIZATION"] = authorization
    response = ClientHandler(enforce_csrf_checks=True)(environ)
    return response.status_code, body, response.content


def test_a_token_deposits_a_file_through_the_pipeline(pharmacy_a, token_a):
    token, plain = token_a
    response = deposit(pharmacy_a, plain, "factures.csv", claims_text(pharmacy_a.finess, 3).encode())
    assert response.status_code == 201, response.content
    answer = response.json()
    batch = ImportBatch.objects.get()
    assert answer["status"] == "importé"
    assert answer["counts"]["created"] == 3 and answer["counts"]["rows"] == 3
    assert answer["problems"] == []
    assert answer["link"] == f"http://testserver/pharmacies/{pharmacy_a.pk}/imports/{batch.pk}/"
    assert batch.status == ImportBatch.Status.COMMITTED and batch.api_token == token and batch.created_by is None
    assert Claim.objects.filter(pharmacy=pharmacy_a).count() == 3
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_same_file_twice_is_already_imported_not_an_error(pharmacy_a, token_a):
    _, plain = token_a
    content = claims_text(pharmacy_a.finess, 3).encode()
    first = deposit(pharmacy_a, plain, "factures.csv", content).json()
    response = deposit(pharmacy_a, plain, "factures-copie.csv", content)
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "déjà importé"
    assert "déjà été importé" in answer["message"] and "dépôt automatique « Poste comptoir »" in answer["message"]
    assert answer["link"] == first["link"]  # the earlier import's page
    assert Claim.objects.count() == 3 and ImportBatch.objects.count() == 1


def test_a_bad_file_is_refused_with_its_problems_and_lines(pharmacy_a, pharmacy_b, token_a):
    _, plain = token_a
    response = deposit(pharmacy_a, plain, "factures.csv", claims_text(pharmacy_b.finess, 2).encode())
    assert response.status_code == 422
    answer = response.json()
    assert answer["status"] == "refusé"
    assert answer["problems"] and {p["line"] for p in answer["problems"]} <= {2, 3}
    assert all(p["line"] for p in answer["problems"])
    assert "FINESS" in " ".join(p["message"] for p in answer["problems"])
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED
    assert not Claim.objects.exists()


def test_an_unknown_format_and_a_missing_file_are_refused_in_french(pharmacy_a, token_a):
    _, plain = token_a
    answer = deposit(pharmacy_a, plain, "photo.jpg", b"\xff\xd8\xff\xe0 not an export").json()
    assert answer["status"] == "refusé" and "format" in answer["message"].lower()
    response = Client().post(deposit_url(pharmacy_a), {}, headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 422 and "Ce champ est obligatoire" in response.json()["message"]
    assert not ImportBatch.objects.exists()


def test_a_statement_of_a_new_account_waits_for_a_person_and_shows_on_the_dashboard(
    pharmacy_a, token_a, login, titulaire_a, requests_commit
):
    _, plain = token_a
    content = (DATA / "cfonb" / "pennylane-example.txt").read_bytes()
    response = deposit(pharmacy_a, plain, "releve.txt", content)
    assert response.status_code == 202
    answer = response.json()
    assert answer["status"] == "à confirmer"
    assert {a["account_id"] for a in answer["new_accounts"]} == {"15589/00000/98765432100", "18706/00000/00123456789"}
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.PREVIEW and not BankLine.objects.exists()
    # Deposited again before anyone confirmed: the same waiting import, not a second one.
    again = deposit(pharmacy_a, plain, "releve.txt", content)
    assert again.status_code == 202 and again.json()["import"]["id"] == batch.pk
    assert ImportBatch.objects.count() == 1

    client = login(titulaire_a)
    page = client.get(reverse("pharmacies:dashboard", args=[pharmacy_a.pk])).content.decode()
    assert "Fichiers déposés à confirmer (1)" in page
    assert reverse("claims:batch", args=[pharmacy_a.pk, batch.pk]) in page and "Poste comptoir" in page

    # The person ticks the accounts and confirms on the import's page, as for an upload.
    client.post(reverse("claims:confirm", args=[pharmacy_a.pk, batch.pk]),
                {"create_account": [a["account_id"] for a in answer["new_accounts"]]})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and BankLine.objects.count() == 6
    page = client.get(reverse("pharmacies:dashboard", args=[pharmacy_a.pk])).content.decode()
    assert "Fichiers déposés à confirmer" not in page


def test_a_token_of_another_pharmacy_is_refused_unread(pharmacy_a, pharmacy_b, token_a):
    _, plain = token_a
    status, body, content = raw_post(deposit_url(pharmacy_b), length=10 * 1024 * 1024,
                                     authorization=f"Bearer {plain}")
    assert status == 404 and body.read_bytes == 0
    assert "Pharmacie introuvable" in content.decode()


def test_a_revoked_or_unknown_token_is_refused_unread(pharmacy_a, titulaire_a, token_a):
    token, plain = token_a
    assert api_token_revoke(token=token, user=titulaire_a)
    for authorization, words in ((f"Bearer {plain}", "révoqué"), ("Bearer tpd_nope", "inconnu"),
                                 ("Basic dXNlcjpwYXNz", "absent")):
        status, body, content = raw_post(deposit_url(pharmacy_a), length=10 * 1024 * 1024,
                                         authorization=authorization)
        assert status == (401 if authorization.startswith("Bearer") else 403), authorization
        assert body.read_bytes == 0
        if status == 401:
            assert words in content.decode()
    response = deposit(pharmacy_a, plain, "factures.csv", claims_text(pharmacy_a.finess, 1).encode())
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert not ImportBatch.objects.exists()


def test_the_body_limit_lets_only_token_deposits_through_and_still_caps_them(pharmacy_a, token_a, settings):
    _, plain = token_a
    # Over the file limit, even with a good token: refused unread, in JSON.
    status, body, content = raw_post(deposit_url(pharmacy_a), length=settings.REQUEST_BODY_MAX_BYTES + 1,
                                     authorization=f"Bearer {plain}")
    assert status == 413 and body.read_bytes == 0 and '"status": "refusé"' in content.decode()
    # A Bearer header elsewhere than the API changes nothing for an anonymous body.
    status, body, _ = raw_post(f"/pharmacies/{pharmacy_a.pk}/imports/", length=200 * 1024,
                               authorization=f"Bearer {plain}")
    assert status == 403 and body.read_bytes == 0
    # Within the limit with a good token: the view reads it (an endless body: not a form).
    status, body, content = raw_post(deposit_url(pharmacy_a), length=200 * 1024, authorization=f"Bearer {plain}")
    assert body.read_bytes > 0 and status == 422 and "Envoi illisible" in content.decode()


def test_tokens_are_stored_hashed_and_shown_once(login, titulaire_a, pharmacy_a):
    client = login(titulaire_a)
    url = reverse("pharmacies:deposit_tokens", args=[pharmacy_a.pk])
    page = client.post(url, {"name": "Export LGO"}).content.decode()
    plain = re.search(r'id="token-value">([^<]+)<', page).group(1)
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain.startswith(token.prefix) and len(plain) > 40
    # Nowhere in the database: every column of every table of the schema, as text.
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [name for (name,) in cursor.fetchall()]
        found = []
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE %s', [f"%{plain}%"])
            if cursor.fetchone()[0]:
                found.append(table)
    assert len(tables) > 30 and found == []
    # Shown once: the list shows only its beginning.
    listing = client.get(url).content.decode()
    assert plain not in listing and f"{token.prefix}…" in listing


def test_creation_revocation_and_use_are_audited(login, titulaire_a, pharmacy_a):
    client = login(titulaire_a)
    url = reverse("pharmacies:deposit_tokens", args=[pharmacy_a.pk])
    plain = re.search(r'id="token-value">([^<]+)<', client.post(url, {"name": "Export LGO"}).content.decode()).group(1)
    token = ApiToken.objects.get()
    deposit(pharmacy_a, plain, "factures.csv", claims_text(pharmacy_a.finess, 2).encode())
    client.post(reverse("pharmacies:deposit_token_revoke", args=[pharmacy_a.pk, token.pk]))
    events = list(event_model_for(ApiToken).objects.filter(pgh_obj_id=token.pk).order_by("pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update", "update"]
    created, used, revoked = events
    assert created.pgh_context["user"] == titulaire_a.pk and created.pharmacy_id == pharmacy_a.pk
    batch = ImportBatch.objects.get()
    assert used.pgh_context["job"] == "depot" and used.pgh_context["token"] == token.pk
    assert used.pgh_context["import_batch"] == batch.pk and used.pgh_context["result"] == "importé"
    assert used.pgh_context["file"] == "factures.csv"
    assert revoked.pgh_context["user"] == titulaire_a.pk and revoked.last_used_at is not None
    token.refresh_from_db()
    assert token.revoked_by == titulaire_a


def test_the_token_page_is_the_titulaires_and_the_managers(
    login, client, pharmacy_a, titulaire_a, preparateur_a, manager_a, manager_c, supervisor
):
    url = reverse("pharmacies:deposit_tokens", args=[pharmacy_a.pk])
    for user, status in ((titulaire_a, 200), (manager_a, 200), (preparateur_a, 404), (manager_c, 404),
                         (supervisor, 404)):
        client.logout()
        assert login(user).get(url).status_code == status, user.username
    token, _ = api_token_create(pharmacy=pharmacy_a, user=titulaire_a, name="Poste")
    client.logout()
    login(preparateur_a)
    assert client.post(reverse("pharmacies:deposit_token_revoke", args=[pharmacy_a.pk, token.pk])).status_code == 404
    client.logout()
    login(manager_a)
    response = client.post(reverse("pharmacies:deposit_token_revoke", args=[pharmacy_a.pk, token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == manager_a
