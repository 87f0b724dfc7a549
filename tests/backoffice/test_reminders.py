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


def test_a_manager_reads_the_letter_templates_but_only_the_supervisor_edits_them(login, manager_a):
    template = LetterTemplate.objects.get()
    client = login(manager_a)
    assert template.name in client.get(reverse("backoffice:letter_templates")).text
    edit = reverse("backoffice:letter_template_edit", args=[template.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "x", "subject": "x", "body": "x"}).status_code == 404
    assert client.get(reverse("backoffice:letter_template_new")).status_code == 404
    template.refresh_from_db()
    assert template.subject != "x"


def test_letter_template_is_editable_by_the_supervisor_and_used(login, supervisor, manager_a, pharmacy_a, mutuelle):
    template = LetterTemplate.objects.get()
    client = login(supervisor)
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


# --- the page a manager can use with thousands of candidates (issue 16, item 4) ----------


def _claims(pharmacy, organism, amounts, *, start=dt.date(2026, 9, 1), status="unpaid"):
    return [
        ClaimFactory(pharmacy=pharmacy, organism=organism, payer_kind=organism.kind, status=status,
                     amount_claimed=Decimal(amount), transmission_date=start + dt.timedelta(days=index))
        for index, amount in enumerate(amounts)
    ]


def test_payers_come_by_amount_owed_then_oldest_claim_each_with_its_biggest_claims(login, manager_a, pharmacy_a):
    from backoffice.selectors import REMINDER_CLAIMS_PER_PAYER

    small = OrganismFactory(kind="AMC", name="PETITE MUTUELLE")
    big = OrganismFactory(kind="AMO", name="GROSSE CAISSE")
    tie_recent = OrganismFactory(kind="AMC", name="EGALITE RECENTE")
    tie_old = OrganismFactory(kind="AMC", name="EGALITE ANCIENNE")
    _claims(pharmacy_a, small, ["5.00"])
    big_claims = _claims(pharmacy_a, big, ["10.00"] * 11 + ["99.00", "10.00"], status="partial")
    _claims(pharmacy_a, tie_recent, ["50.00"], start=dt.date(2026, 10, 1))
    _claims(pharmacy_a, tie_old, ["50.00"], start=dt.date(2026, 8, 1))
    ClaimFactory(pharmacy=pharmacy_a, organism=small, status="paid", amount_claimed=Decimal("900.00"))

    response = login(manager_a).get(reverse("backoffice:reminders", args=[pharmacy_a.pk]))

    groups = list(response.context["groups"])
    assert [g.organism for g in groups] == [big, tie_old, tie_recent, small]
    assert [(g.count, g.total) for g in groups] == [(13, Decimal("219.00")), (1, Decimal("50.00")), (1, Decimal("50.00")), (1, Decimal("5.00"))]
    shown = groups[0].claims
    assert len(shown) == REMINDER_CLAIMS_PER_PAYER and groups[0].more == 3
    # The biggest first, then the oldest among equal amounts.
    assert shown[0].pk == big_claims[11].pk
    assert [c.pk for c in shown[1:]] == [c.pk for c in big_claims[:9]]
    assert response.context["summary"] == {"count": 16, "payers": 4, "total": Decimal("324.00")}
    body = response.text
    # The letter's action is at the top, before the first payer.
    assert body.index('id="generate-letter"') < body.index(f'id="payeur-{big.pk}"')
    assert f'?organisme={big.pk}">Voir les 13 factures de ce payeur' in body


def test_payers_are_paged_and_one_payers_claims_too(login, manager_a, pharmacy_a):
    from backoffice.selectors import REMINDER_CLAIMS_PER_PAGE, REMINDER_PAYERS_PER_PAGE

    payers = [OrganismFactory(kind="AMC", name=f"PAYEUR {n:02d}") for n in range(REMINDER_PAYERS_PER_PAGE + 2)]
    for n, payer in enumerate(payers):
        _claims(pharmacy_a, payer, [f"{100 - n}.00"])
    crowded = payers[-1]
    _claims(pharmacy_a, crowded, ["1.00"] * (REMINDER_CLAIMS_PER_PAGE + 4))
    client = login(manager_a)
    url = reverse("backoffice:reminders", args=[pharmacy_a.pk])

    first = client.get(url).context["groups"]
    second = client.get(url, {"page": 2}).context["groups"]
    assert len(first) == REMINDER_PAYERS_PER_PAGE and len(second) == 2
    assert {g.organism.pk for g in first} | {g.organism.pk for g in second} == {p.pk for p in payers}

    one = client.get(url, {"organisme": crowded.pk})
    assert [g.organism for g in one.context["groups"]] == [crowded]
    assert len(one.context["groups"][0].claims) == REMINDER_CLAIMS_PER_PAGE
    last = client.get(url, {"organisme": crowded.pk, "page": 2}).context["groups"][0]
    assert len(last.claims) == 5 and last.count == REMINDER_CLAIMS_PER_PAGE + 5
    assert client.get(url, {"organisme": "abc", "page": "zz"}).status_code == 200


def test_all_of_one_payer_in_one_click_takes_the_claims_not_shown_too(login, manager_a, pharmacy_a, pharmacy_c, mutuelle):
    from backoffice.selectors import REMINDER_CLAIMS_PER_PAYER

    mine = _claims(pharmacy_a, mutuelle, ["12.34"] * (REMINDER_CLAIMS_PER_PAYER + 5))
    other = OrganismFactory(kind="AMO", name="AUTRE CAISSE")
    _claims(pharmacy_a, other, ["99.00"])
    _claims(pharmacy_c, mutuelle, ["500.00"])  # another pharmacy's claim of the same payer stays out
    ClaimFactory(pharmacy=pharmacy_a, organism=mutuelle, status="paid")

    response = login(manager_a).post(
        reverse("backoffice:reminders", args=[pharmacy_a.pk]),
        {"tout": [mutuelle.pk], "template": LetterTemplate.objects.get().pk},
    )

    assert response.status_code == 302
    reminder = Reminder.objects.get()
    assert reminder.organism == mutuelle
    assert set(ReminderClaim.objects.values_list("claim", flat=True)) == {c.pk for c in mine}
    assert reminder.total == Decimal("12.34") * len(mine)


@pytest.mark.parametrize("two_payers", [True, False])
def test_a_letter_for_two_payers_or_none_is_refused_in_french(login, manager_a, pharmacy_a, mutuelle, two_payers):
    other = OrganismFactory(kind="AMO", name="AUTRE CAISSE")
    _claims(pharmacy_a, mutuelle, ["10.00"])
    _claims(pharmacy_a, other, ["10.00"])
    data = {"tout": [mutuelle.pk, other.pk]} if two_payers else {}
    response = login(manager_a).post(
        reverse("backoffice:reminders", args=[pharmacy_a.pk]), {**data, "template": LetterTemplate.objects.get().pk}
    )
    assert response.status_code == 200
    assert ("un seul organisme" if two_payers else "Sélectionnez au moins une facture") in response.text
    assert not Reminder.objects.exists()


def test_a_payer_with_nothing_to_remind_here_gives_no_letter(login, manager_a, pharmacy_a, pharmacy_c, mutuelle):
    _claims(pharmacy_c, mutuelle, ["10.00"])
    response = login(manager_a).post(
        reverse("backoffice:reminders", args=[pharmacy_a.pk]),
        {"tout": [mutuelle.pk], "template": LetterTemplate.objects.get().pk},
    )
    assert response.status_code == 200 and "Sélectionnez au moins une facture à réclamer à l&#x27;organisme" in response.text
    assert not Reminder.objects.exists()


def _page_queries(client, url, **params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_page_makes_as_many_queries_for_a_few_claims_as_for_many(login, manager_a, pharmacy_a, mutuelle):
    client = login(manager_a)
    url = reverse("backoffice:reminders", args=[pharmacy_a.pk])
    payers = [mutuelle] + [OrganismFactory(kind="AMC") for _ in range(13)]
    _claims(pharmacy_a, payers[0], ["10.00", "20.00"])
    _claims(pharmacy_a, payers[1], ["30.00"])
    reminder_create(pharmacy=pharmacy_a, claims=pharmacy_a.claims.filter(organism=payers[1]), actor=manager_a)
    client.get(url)  # the session's first reads out of the way
    few, few_payer = _page_queries(client, url), _page_queries(client, url, organisme=mutuelle.pk)
    for payer in payers:
        _claims(pharmacy_a, payer, ["15.00"] * 14)
    reminder_create(pharmacy=pharmacy_a, claims=pharmacy_a.claims.filter(organism=payers[2]), actor=manager_a)
    many, many_payer = _page_queries(client, url), _page_queries(client, url, organisme=mutuelle.pk)
    assert Reminder.objects.count() == 2
    assert (many, many_payer) == (few, few_payer)
    assert many <= 18  # session, user, device, scope, pharmacy, then the page's own reads


def test_a_big_letter_is_rendered_by_the_pdf_worker_and_its_page_says_so(
    login, manager_a, pharmacy_a, mutuelle, monkeypatch, django_capture_on_commit_callbacks
):
    from backoffice import reminders

    monkeypatch.setattr(reminders, "LETTER_INLINE_MAX", 2)
    claims = _claims(pharmacy_a, mutuelle, ["10.00", "20.00", "30.00"])
    client = login(manager_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("backoffice:reminders", args=[pharmacy_a.pk]),
            {"tout": [mutuelle.pk], "template": LetterTemplate.objects.get().pk}, follow=True,
        )
    reminder = Reminder.objects.get()
    assert not reminder.pdf and len(callbacks) == 1
    assert "la lettre est en préparation" in response.text and "Lettre en préparation (3 factures)" in response.text
    assert 'id="download-letter"' not in response.text
    # The claims are recorded as reminded at once; the worker only draws the letter.
    assert ReminderClaim.objects.count() == 3
    callbacks[0]()  # the worker's turn (tasks run in-process in the tests)
    reminder.refresh_from_db()
    text = pdf_text(reminder.pdf.read())
    assert all(c.invoice_number in text for c in claims) and "60,00" in text
    assert 'id="download-letter"' in client.get(reverse("backoffice:reminder_detail", args=[pharmacy_a.pk, reminder.pk])).text
    # A redelivered task leaves the letter as it is.
    from backoffice.tasks import render_reminder_letter

    assert render_reminder_letter(pharmacy_a.pk, reminder.pk) is False
    from tiers_payant.celery import app

    assert app.amqp.router.route({}, render_reminder_letter.name)["queue"].name == "pdf"


def test_only_what_the_payer_owes_without_the_pharmacy_acting_is_reminded(login, manager_a, pharmacy_a, mutuelle):
    """Unanswered past the margin and partial remainders are asked for; a rejected claim (to
    correct and re-invoice), an indu (to check) or one still within its delay are not."""
    from backoffice.selectors import remindable_claims

    old = dt.date(2026, 1, 5)
    unpaid = _claims(pharmacy_a, mutuelle, ["10.00"], start=old)[0]
    partial = ClaimFactory(pharmacy=pharmacy_a, organism=mutuelle, status="partial", transmission_date=old,
                           amount_claimed=Decimal("40.00"), amount_paid=Decimal("15.00"))
    silent_late = _claims(pharmacy_a, mutuelle, ["7.00"], start=old, status="transmitted")[0]
    for status in ("rejected", "taken_back"):
        _claims(pharmacy_a, mutuelle, ["500.00"], start=old, status=status)
    _claims(pharmacy_a, mutuelle, ["300.00"], start=dt.date.today(), status="transmitted")

    assert set(remindable_claims(pharmacy=pharmacy_a).values_list("pk", flat=True)) == {
        unpaid.pk, partial.pk, silent_late.pk}
    response = login(manager_a).get(reverse("backoffice:reminders", args=[pharmacy_a.pk]))
    assert response.context["summary"] == {"count": 3, "payers": 1, "total": Decimal("42.00")}


def test_a_reminder_whose_author_was_deleted_still_lists(login, manager_a, pharmacy_a, mutuelle):
    claims = _unpaid(pharmacy_a, mutuelle, 1)
    reminder = reminder_create(pharmacy=pharmacy_a, claims=pharmacy_a.claims.filter(pk=claims[0].pk), actor=manager_a)
    Reminder.objects.filter(pk=reminder.pk).update(created_by=None)  # SET_NULL: the author left
    response = login(manager_a).get(reverse("backoffice:reminders", args=[pharmacy_a.pk]))
    assert response.status_code == 200
