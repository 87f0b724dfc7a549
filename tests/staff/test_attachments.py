"""Scanned documents: PDF/PNG/JPEG by their bytes, 5 MB at most, served only through the access rule."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rejections.models import Attachment, RejectionEvent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def attach_url(rejection):
    return reverse("rejections:attach", args=[rejection.pharmacy_id, rejection.pk])


def test_it_attaches_a_pdf_and_records_it(login, preparateur_n, rejection_n):
    upload = SimpleUploadedFile("attestation.pdf", PDF, content_type="application/pdf")
    login(preparateur_n).post(attach_url(rejection_n), {"file": upload})
    attachment = Attachment.objects.get(rejection=rejection_n)
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "attestation.pdf"
    assert not attachment.file.name.endswith("attestation.pdf")  # our own file name on disk
    assert RejectionEvent.objects.get(rejection=rejection_n).kind == "attachment"


def test_the_type_comes_from_the_bytes_not_the_extension(login, preparateur_n, rejection_n):
    fake = SimpleUploadedFile("ordonnance.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = login(preparateur_n).post(attach_url(rejection_n), {"file": fake}, HTTP_HX_REQUEST="true")
    assert "Seuls les fichiers PDF, PNG ou JPEG" in response.content.decode()
    assert not Attachment.objects.exists()
    image = SimpleUploadedFile("scan.bin", PNG, content_type="application/octet-stream")
    login(preparateur_n).post(attach_url(rejection_n), {"file": image})
    assert Attachment.objects.get().content_type == "image/png"


def test_it_refuses_a_file_over_5_mb(login, preparateur_n, rejection_n):
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf")
    response = login(preparateur_n).post(attach_url(rejection_n), {"file": big}, HTTP_HX_REQUEST="true")
    assert response.status_code in (200, 400, 413)
    assert not Attachment.objects.exists()


def test_the_document_is_served_only_through_the_access_rule(login, preparateur_a, manager_a, manager_c, rejection_a):
    upload = SimpleUploadedFile("attestation.pdf", PDF, content_type="application/pdf")
    login(preparateur_a).post(attach_url(rejection_a), {"file": upload})
    attachment = Attachment.objects.get()
    url = reverse("rejections:attachment", args=[rejection_a.pharmacy_id, rejection_a.pk, attachment.pk])
    response = login(manager_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert login(manager_c).get(url).status_code == 404


def test_a_document_url_under_another_rejection_is_404(login, preparateur_n, rejection_n, pharmacy_n):
    from tests.factories import ClaimFactory, RejectionFactory

    other = RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n))
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    client = login(preparateur_n)
    client.post(attach_url(other), {"file": upload})
    attachment = Attachment.objects.get()
    url = reverse("rejections:attachment", args=[pharmacy_n.pk, rejection_n.pk, attachment.pk])
    assert client.get(url).status_code == 404


def test_media_files_have_no_public_url(client):
    assert client.get("/media/attachments/1/1/x.pdf").status_code == 404
