"""Uploads are cut at the door: an oversized or anonymous body is refused unread (issue 18, item 2)."""

import re
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.test.client import ClientHandler


class EndlessBody:
    """A request body of any announced length that counts what the server reads of it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        self.read_bytes += size
        return b"x" * size

    def readline(self, size=-1):
        return self.read(size)


def _post(path: str, *, length: int, cookies: str = "") -> tuple[str, EndlessBody, bytes]:
    """POSTs a body of `length` announced bytes; returns the status, the body read, the page."""
    body = EndlessBody()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": body, "wsgi.errors": None,
        "CONTENT_TYPE": "multipart/form-data; boundary=----x", "CONTENT_LENGTH": str(length),
        "HTTP_COOKIE": cookies,
    }
    # The test client's handler: the whole middleware stack, CSRF enforced, the
    # test's database connection kept open.
    response = ClientHandler(enforce_csrf_checks=True)(environ)
    return str(response.status_code), body, response.content


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    # With a CSRF cookie, as a browser has one: the CSRF check then reads the form.
    return "; ".join(f"{k}={v.value}" for k, v in client.cookies.items()) + "; csrftoken=" + "a" * 32


def test_an_anonymous_upload_is_refused_before_its_body_is_read(db, pharmacy_a):
    status, body, content = _post(f"/pharmacies/{pharmacy_a.pk}/imports/", length=200 * 1024 * 1024)
    assert status.startswith("403")
    assert body.read_bytes == 0
    assert "Connectez-vous avant d&#x27;envoyer un fichier" in content.decode()


def test_a_signed_in_upload_over_the_limit_is_refused_before_its_body_is_read(db, pharmacy_a, titulaire_a):
    status, body, content = _post(
        f"/pharmacies/{pharmacy_a.pk}/imports/", length=200 * 1024 * 1024, cookies=_session_cookie(titulaire_a)
    )
    assert status.startswith("413")
    assert body.read_bytes == 0
    assert "Fichier trop volumineux : 50 Mo au plus" in content.decode()


def test_a_signed_in_upload_within_the_limit_reaches_the_application(db, pharmacy_a, titulaire_a):
    status, body, content = _post(
        f"/pharmacies/{pharmacy_a.pk}/imports/", length=settings.REQUEST_BODY_MAX_BYTES,
        cookies=_session_cookie(titulaire_a),
    )
    assert not status.startswith("413") and "Envoi refusé" not in content.decode()
    assert body.read_bytes > 0  # the application read it (the CSRF check parses the form)


def test_the_proxy_in_front_says_the_same_limit():
    nginx = (Path(settings.BASE_DIR) / "tiers_payant" / "deploy" / "nginx.conf").read_text()
    limit = re.search(r"client_max_body_size\s+(\d+)m;", nginx)
    assert limit and int(limit.group(1)) * 1024 * 1024 == settings.REQUEST_BODY_MAX_BYTES
