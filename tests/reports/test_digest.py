"""The daily e-mail digest: who gets it, what it says (and does not), once a day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from claims.models import ExpectedFileAlert, ImportBatch
from core.money import format_euros
from pharmacies.models import JobRun, Pharmacy, User
from pharmacies.selectors import digest_recipients
from reports.digest import digest_send
from reports.figures import money_figures_by_pharmacy
from reports.models import DailyDigest
from reports.tasks import daily_digests_all
from tests.factories import ClaimFactory, RejectionFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YESTERDAY_NOON = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(12)))


def _rejection(pharmacy, invoice: str, *, at: dt.datetime, amount: str = "30.00"):
    claim = ClaimFactory(pharmacy=pharmacy, invoice_number=invoice, status="rejected",
                         amount_claimed=Decimal(amount), transmission_date=TODAY - dt.timedelta(days=40))
    rejection = RejectionFactory(claim=claim, amount=Decimal(amount))
    type(rejection).objects.filter(pk=rejection.pk).update(created_at=at)
    return claim


def test_who_gets_it_by_default_and_by_choice(titulaire_a, preparateur_a, manager_a, supervisor):
    # On by default for titulaires, managers and supervisors; off for the other staff.
    assert set(digest_recipients()) == {titulaire_a, manager_a, supervisor}
    assert not preparateur_a.wants_daily_digest and titulaire_a.wants_daily_digest
    User.objects.filter(pk=preparateur_a.pk).update(daily_digest=True)
    User.objects.filter(pk=manager_a.pk).update(daily_digest=False)
    assert set(digest_recipients()) == {titulaire_a, preparateur_a, supervisor}
    User.objects.filter(pk=supervisor.pk).update(email="")  # nowhere to send it
    assert set(digest_recipients()) == {titulaire_a, preparateur_a}


def test_each_person_sets_it_on_their_account_page(preparateur_a, login):
    client = login(preparateur_a)
    page = client.get(reverse("account_security")).content.decode()
    assert 'id="daily-digest"' in page and 'name="daily_digest" checked' not in page
    client.post(reverse("account_daily_digest"), {"daily_digest": "on"})
    preparateur_a.refresh_from_db()
    assert preparateur_a.daily_digest is True
    assert 'name="daily_digest" checked' in client.get(reverse("account_security")).content.decode()
    client.post(reverse("account_daily_digest"), {})  # the box unticked
    preparateur_a.refresh_from_db()
    assert preparateur_a.daily_digest is False


def test_a_managers_digest_covers_their_pharmacies_with_links_and_no_patient_data(
    manager_a, pharmacy_a, pharmacy_b, pharmacy_c, settings
):
    settings.SITE_URL = "https://tp.example"
    new = _rejection(pharmacy_a, "111111111", at=YESTERDAY_NOON)
    _rejection(pharmacy_a, "222222222", at=YESTERDAY_NOON - dt.timedelta(days=1))  # the day before
    _rejection(pharmacy_c, "333333333", at=YESTERDAY_NOON)  # not the manager's pharmacy
    waiting = ImportBatch.objects.create(pharmacy=pharmacy_b, kind=ImportBatch.Kind.BANK, file_name="x.ofx",
                                         sha256="0" * 64, status=ImportBatch.Status.PREVIEW)
    ExpectedFileAlert.objects.create(pharmacy=pharmacy_b, kind="returns", last_file_at=YESTERDAY_NOON
                                     - dt.timedelta(days=6), usual_gap=dt.timedelta(days=1),
                                     late_after=dt.timedelta(days=4), opened_on=TODAY)
    JobRun.objects.create(pharmacy=pharmacy_b, job=JobRun.Job.NIGHTLY, period=TODAY.isoformat(),
                          state=JobRun.State.FAILED)

    assert digest_send(user_id=manager_a.pk, day=TODAY) is True
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == [manager_a.email]
    assert "111111111" in body and "222222222" not in body and "333333333" not in body
    assert "Pharmacie C" not in body
    rejection = new.rejections.get()
    assert f"https://tp.example/pharmacies/{pharmacy_a.pk}/rejets/{rejection.pk}/" in body
    # The money at risk: reports.figures' one definition, per pharmacy.
    money = money_figures_by_pharmacy(pharmacies=Pharmacy.objects.filter(pk__in=[pharmacy_a.pk, pharmacy_b.pk]),
                                      day=TODAY)
    assert f"Argent à risque : {format_euros(money[pharmacy_a.pk].at_risk.amount)}" in body
    assert money[pharmacy_a.pk].at_risk.amount > 0
    assert "Fichier attendu : retours" in body
    assert "Le traitement de nuit a échoué" in body
    assert f"https://tp.example/pharmacies/{pharmacy_b.pk}/imports/{waiting.pk}/" in body
    assert "x.ofx" not in body  # a file name is the pharmacy's choice: not in the mail
    # No patient data: the claims' patients are nowhere in the mail.
    assert new.patient_name not in body and "DUPONT" not in body and new.nir not in body

    # Sent once: a second run the same day (a redelivery, beat twice) sends nothing.
    assert digest_send(user_id=manager_a.pk, day=TODAY) is False
    assert len(mail.outbox) == 1
    assert DailyDigest.objects.get(user=manager_a, day=TODAY).stats["new_rejections"] == 1


def test_a_failed_send_is_claimed_again_and_a_digest_says_nothing_new(titulaire_a, monkeypatch):
    import reports.digest as digest

    def broken(**kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(digest, "digest_mail", broken)
    with pytest.raises(ConnectionError):
        digest_send(user_id=titulaire_a.pk, day=TODAY)
    assert DailyDigest.objects.get(user=titulaire_a).state == DailyDigest.State.FAILED
    monkeypatch.undo()
    assert digest_send(user_id=titulaire_a.pk, day=TODAY) is True
    assert "Rien de nouveau" in mail.outbox[0].body


def test_the_beat_task_fans_out_one_digest_per_recipient(titulaire_a, preparateur_a, manager_a,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_digests_all(TODAY.isoformat()) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([titulaire_a.email, manager_a.email])


def test_someone_who_turned_it_off_since_the_morning_list_gets_nothing(titulaire_a):
    User.objects.filter(pk=titulaire_a.pk).update(daily_digest=False)
    assert digest_send(user_id=titulaire_a.pk, day=TODAY) is False
    assert mail.outbox == []
    assert DailyDigest.objects.get(user=titulaire_a).stats == {"skipped": True}
