"""The monthly report: PDF content, compare-and-swap, e-mail to the titulaire, the command."""

import datetime as dt
import io
import subprocess

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from pharmacies.models import StaffRole
from reports.models import MonthlyReport
from reports.selectors import report_lease_remaining
from reports.services import report_produce
from reports.statistics import month_statistics
from reports.tasks import monthly_reports_all
from tests.factories import PharmacyFactory, StaffMemberFactory
from tests.reports.dataset import build_month

OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture
def dataset(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pharmacy = PharmacyFactory(name="Pharmacie des Tilleuls")
    StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.TITULAIRE, user__email="titulaire@tilleuls.test")
    return build_month(
        pharmacy=pharmacy, month=OCTOBER,
        operators={"OP-A": (150, 0.03), "OP-B": (100, 0.3), "OP-C": (80, 0.04)}, error_prone="OP-B",
    )


def pdf_pages(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def test_it_renders_stores_and_mails_the_report_once(dataset):
    report = report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER)

    assert report.state == MonthlyReport.State.SENT
    assert report.pdf.read().startswith(b"%PDF")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["titulaire@tilleuls.test"]
    assert "octobre 2026" in message.subject
    assert message.attachments[0].mimetype == "application/pdf"

    assert report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER) is None
    assert len(mail.outbox) == 1


def test_the_pdf_names_pharmacy_and_month_on_every_page_and_the_top_reasons(dataset):
    report = report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER)
    pages = pdf_pages(report.pdf.path)
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)

    assert len(pages) >= 2
    for page in pages:
        assert "Pharmacie des Tilleuls" in page
        assert "octobre 2026" in page
    summary = " ".join(pages[0].split())
    for reason in stats.top_reasons:
        assert reason.label in summary
        assert " ".join(reason.advice_prevent.split())[:60] in summary
    helped = stats.operator_needing_help
    assert helped.operator_code == dataset.error_prone_operator
    assert helped.name in summary and dataset.error_prone_operator in summary


def test_a_failed_render_can_be_retried(dataset, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("WeasyPrint en panne")

    monkeypatch.setattr("reports.services.report_pdf_render", boom)
    with pytest.raises(RuntimeError):
        report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER)
    assert MonthlyReport.objects.get().state == MonthlyReport.State.FAILED
    monkeypatch.undo()

    assert report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER) is not None
    assert len(mail.outbox) == 1


def test_a_report_being_rendered_elsewhere_is_not_claimed_before_its_lease_ends(dataset, settings):
    settings.REPORT_RENDER_LEASE_SECONDS = 300
    lease_until = timezone.now() + dt.timedelta(seconds=30)
    MonthlyReport.objects.create(pharmacy=dataset.pharmacy, month=OCTOBER, state=MonthlyReport.State.RENDERING,
                                 lease_until=lease_until)

    assert report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER) is None
    assert mail.outbox == []
    assert MonthlyReport.objects.get().lease_until == lease_until
    assert 25 < report_lease_remaining(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER) <= 30


def test_a_report_left_in_rendering_past_its_lease_is_claimed_again_and_sent_once(dataset, settings):
    # The truth changed on purpose (issue 17): a report whose worker died used to stay
    # in `rendering` for ever; past its lease it is claimed again.
    settings.REPORT_RENDER_LEASE_SECONDS = 300
    MonthlyReport.objects.create(pharmacy=dataset.pharmacy, month=OCTOBER, state=MonthlyReport.State.RENDERING,
                                 lease_until=timezone.now() - dt.timedelta(seconds=1))

    report = report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER)

    assert report.state == MonthlyReport.State.SENT
    assert len(mail.outbox) == 1
    report.refresh_from_db()
    assert report.lease_until - report.claimed_at >= dt.timedelta(seconds=300)
    assert report_lease_remaining(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER) is None
    assert report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER) is None
    assert len(mail.outbox) == 1


def test_a_render_that_outlived_its_lease_and_was_claimed_again_does_not_send(dataset, monkeypatch):
    from reports import services

    render = services.report_pdf_render

    def slow_render(**kwargs):
        # Meanwhile the lease ran out and another run claimed the report.
        MonthlyReport.objects.update(lease_until=timezone.now() - dt.timedelta(seconds=1))
        assert services.report_claim(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER, from_states=()) is not None
        return render(**kwargs)

    monkeypatch.setattr(services, "report_pdf_render", slow_render)
    assert report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER) is None
    assert mail.outbox == []
    assert MonthlyReport.objects.get().state == MonthlyReport.State.RENDERING  # the other run's


def test_the_beat_task_fans_out_one_report_per_pharmacy_for_last_month(dataset, django_capture_on_commit_callbacks):
    other = PharmacyFactory()
    StaffMemberFactory(pharmacy=other, role=StaffRole.TITULAIRE, user__email="autre@pharma.test")
    from unittest import mock

    with mock.patch("reports.tasks.timezone.localdate", return_value=dt.date(2026, 11, 1)):
        # Tasks run inline in tests (no broker), when the fan-out's transaction commits.
        with django_capture_on_commit_callbacks(execute=True):
            assert monthly_reports_all() == 2
        with django_capture_on_commit_callbacks(execute=True):
            monthly_reports_all()

    assert MonthlyReport.objects.filter(month=OCTOBER, state="sent").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["autre@pharma.test", "titulaire@tilleuls.test"]


def test_the_command_resends_a_sent_report_only_when_asked(dataset):
    # Behaviour changed on purpose (issue 16): a plain run no longer sends a sent report again.
    report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER)
    out = io.StringIO()
    call_command("monthly_reports", "--month", "2026-10", "--pharmacy", dataset.pharmacy.finess, stdout=out)
    assert len(mail.outbox) == 1
    assert "déjà produit" in out.getvalue() and "--resend" in out.getvalue()
    out = io.StringIO()
    call_command("monthly_reports", "--month", "2026-10", "--pharmacy", dataset.pharmacy.finess, "--resend", stdout=out)
    assert len(mail.outbox) == 2  # on demand: re-rendered and re-sent
    assert "envoyé à titulaire@tilleuls.test" in out.getvalue()


def test_the_command_prints_a_short_summary_not_the_mails(dataset):
    # The console backend prints every e-mail it sends (base64 PDFs included): the
    # command's own output is one line per pharmacy and a total.
    out = io.StringIO()
    call_command("monthly_reports", "--month", "2026-10", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and len(out.getvalue()) < 400
    assert lines[0].startswith(f"{dataset.pharmacy.finess} Pharmacie des Tilleuls : rapport produit")
    assert lines[-1] == "octobre 2026 : 1 rapport(s) produit(s), 0 déjà produit(s) ou en cours."
    assert MonthlyReport.objects.get(pharmacy=dataset.pharmacy, month=OCTOBER).pdf


def test_a_month_without_claims_still_gives_a_readable_report(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pharmacy = PharmacyFactory(name="Pharmacie Nouvelle")
    StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.TITULAIRE, user__email="nouvelle@pharma.test")

    report = report_produce(pharmacy_id=pharmacy.pk, month=OCTOBER)

    text = " ".join(" ".join(pdf_pages(report.pdf.path)).split())
    assert "Aucun rejet ce mois-ci" in text
    assert len(mail.outbox) == 1


def test_without_a_titulaire_email_the_report_is_stored_but_not_sent(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pharmacy = PharmacyFactory()
    StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.PREPARATEUR, user__email="prep@pharma.test")

    report = report_produce(pharmacy_id=pharmacy.pk, month=OCTOBER)

    assert report.pdf and report.sent_at is None and report.recipients == ""
    assert mail.outbox == []


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_the_command_refuses_a_month_outside_the_calendar_in_french(db, month):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="hors de la période possible"):
        call_command("monthly_reports", month=month, stdout=io.StringIO())
