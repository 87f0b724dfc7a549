"""Reminder letters to payers: one payer per letter, recorded on each claim, next one scheduled."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from backoffice.models import ContactLog, LetterTemplate, Reminder, ReminderClaim
from backoffice.reminders import letter_fill, reminder_create
from rejections.models import UnpaidFollowUp
from tests.factories import ClaimFactory, OrganismFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mutuelle(db):
    return OrganismFactory(kind="AMC", code="0000012345", name="MUTUELLE DES TESTS")


def _unpaid(pharmacy, organism, count, amount="30.00"):
    return [
        ClaimFactory(pharmacy=pharmacy, organism=organism, payer_kind="AMC", status="unpaid",
                     amount_claimed=Decimal(amount))
        for _ in range(count)
    ]


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_letter_lists_the_claims_and_marks_them_reminded(login, manager_a, pharmacy_a, mutuelle):
    claims = _unpaid(pharmacy_a, mutuelle, 3)
    client = login(manager_a)
    response = client.post(
        reverse("backoffice:reminders", args=[pharmacy_a.pk]),
        {"claims": [c.pk for c in claims], "template": LetterTemplate.objects.get().pk},
    )
    reminder = Reminder.objects.get()
    assert response.status_code == 302
    assert reminder.total == Decimal("90.00")
    assert reminder.next_on == reminder.sent_on + dt.timedelta(days=15)
    assert set(ReminderClaim.objects.values_list("claim", flat=True)) == {c.pk for c in claims}
    assert ContactLog.objects.get().channel == "letter"
    pdf = client.get(reverse("backoffice:reminder_pdf", args=[pharmacy_a.pk, reminder.pk]))
    data = b"".join(pdf.streaming_content)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for claim in claims:
        assert claim.invoice_number in text
    assert "MUTUELLE DES TESTS" in text and "Pharmacie A" in text and "90,00" in text
    listing = client.get(reverse("backoffice:reminders", args=[pharmacy_a.pk]))
    assert listing.text.count("Relancée le") == 3


def test_one_letter_per_payer(manager_a, pharmacy_a, mutuelle):
    other = OrganismFactory(kind="AMC", code="0000099999", name="AUTRE MUTUELLE")
    claims = _unpaid(pharmacy_a, mutuelle, 1) + _unpaid(pharmacy_a, other, 1)
    with pytest.raises(ValidationError):
        reminder_create(pharmacy=pharmacy_a, claims=pharmacy_a.claims.filter(pk__in=[c.pk for c in claims]), actor=manager_a)
    assert not Reminder.objects.exists()


def test_paid_claims_and_other_pharmacies_claims_are_not_reminded(manager_a, pharmacy_a, pharmacy_c, mutuelle):
    paid = ClaimFactory(pharmacy=pharmacy_a, organism=mutuelle, status="paid")
    foreign = ClaimFactory(pharmacy=pharmacy_c, organism=mutuelle, status="unpaid")
    from claims.models import Claim

    with pytest.raises(ValidationError):
        reminder_create(pharmacy=pharmacy_a, claims=Claim.objects.filter(pk__in=[paid.pk, foreign.pk]), actor=manager_a)


def test_post_of_another_pharmacys_claim_is_refused(login, manager_a, pharmacy_a, pharmacy_c, mutuelle):
    foreign = _unpaid(pharmacy_c, mutuelle, 1)[0]
    response = login(manager_a).post(
        reverse("backoffice:reminders", args=[pharmacy_a.pk]),
        {"claims": [foreign.pk], "template": LetterTemplate.objects.get().pk},
    )
    assert response.status_code == 200 and "claims" in response.context["form"].errors
    assert not Reminder.objects.exists()


def test_pharmacy_requests_are_answered(manager_a, titulaire_a, pharmacy_a, mutuelle):
    claim = _unpaid(pharmacy_a, mutuelle, 1)[0]
    UnpaidFollowUp.objects.create(pharmacy=pharmacy_a, claim=claim, requested_by=titulaire_a)
    reminder_create(pharmacy=pharmacy_a, claims=pharmacy_a.claims.all(), actor=manager_a)
    assert UnpaidFollowUp.objects.get().status == UnpaidFollowUp.Status.SENT


def test_letter_template_is_editable_and_used(login, manager_a, pharmacy_a, mutuelle):
    template = LetterTemplate.objects.get()
    client = login(manager_a)
    client.post(
        reverse("backoffice:letter_template_edit", args=[template.pk]),
        {"name": template.name, "subject": "Relance {organisme}", "body": "Bonjour {organisme}, de la part de {pharmacie} le {date}. {inconnu}"},
    )
    template.refresh_from_db()
    assert template.subject == "Relance {organisme}"
    reminder = reminder_create(pharmacy=pharmacy_a, claims=pharmacy_a.claims.filter(pk__in=[c.pk for c in _unpaid(pharmacy_a, mutuelle, 1)]), actor=manager_a)
    text = pdf_text(reminder.pdf.read())
    assert "Relance MUTUELLE DES TESTS" in text
    assert "de la part de Pharmacie A" in text and "{inconnu}" in text


def test_letter_fill_leaves_unknown_placeholders():
    assert letter_fill("{a} {b} {0} {a.__class__}", {"a": "x"}) == "x {b} {0} {a.__class__}"


def test_contact_log_per_payer(login, manager_a, pharmacy_a, mutuelle):
    client = login(manager_a)
    client.post(reverse("backoffice:contacts", args=[pharmacy_a.pk]),
                {"organism": mutuelle.pk, "channel": "phone", "day": "2026-11-20", "notes": "Promesse de paiement sous 8 jours"})
    log = ContactLog.objects.get()
    assert (log.pharmacy, log.organism, log.created_by) == (pharmacy_a, mutuelle, manager_a)
    assert "Promesse de paiement" in client.get(reverse("backoffice:contacts", args=[pharmacy_a.pk])).text


def test_next_reminder_comes_due_while_claims_stay_unpaid(manager_a, pharmacy_a, mutuelle):
    from backoffice.selectors import reminders_for

    claims = _unpaid(pharmacy_a, mutuelle, 2)
    sent = dt.date(2026, 10, 1)
    reminder = reminder_create(pharmacy=pharmacy_a, claims=pharmacy_a.claims.all(), actor=manager_a, sent_on=sent)
    assert not reminders_for(pharmacy=pharmacy_a, today=sent + dt.timedelta(days=14)).get().due
    assert reminders_for(pharmacy=pharmacy_a, today=sent + dt.timedelta(days=15)).get().due
    for claim in claims:
        claim.status = "paid"
        claim.save()
    assert not reminders_for(pharmacy=pharmacy_a, today=sent + dt.timedelta(days=15)).get(pk=reminder.pk).due
