"""The admin respects the access rule; the supervisor is not a superuser (issue 18, item 4)."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from pharmacies.models import JobRun, User


def test_the_supervisor_is_not_a_superuser_and_cannot_change_a_users_kind_or_password(login, supervisor, manager_a):
    assert not supervisor.is_superuser
    client = login(supervisor)
    assert client.get(reverse("admin:pharmacies_user_changelist")).status_code == 200
    change = reverse("admin:pharmacies_user_change", args=[manager_a.pk])
    response = client.post(change, {"username": manager_a.username, "kind": User.Kind.SUPERVISOR})
    assert response.status_code == 403
    manager_a.refresh_from_db()
    assert manager_a.kind == User.Kind.MANAGER
    password = reverse("admin:auth_user_password_change", args=[manager_a.pk])
    assert client.get(password).status_code == 403


def test_no_one_reads_a_second_factor_secret_in_the_admin(login, supervisor, manager_a):
    TOTPDevice.objects.create(user=manager_a, name="téléphone", confirmed=True)
    client = login(supervisor)
    index = client.get(reverse("admin:index")).text
    assert "otp_totp" not in index
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_the_supervisor_keeps_the_reference_data(login, supervisor):
    client = login(supervisor)
    assert client.get(reverse("admin:claims_organism_changelist")).status_code == 200
    assert client.get(reverse("admin:rejections_rejectionreason_changelist")).status_code == 200


def test_the_admin_lists_only_the_pharmacies_the_supervisor_may_see(login, supervisor, pharmacy_a, pharmacy_n):
    for pharmacy in (pharmacy_a, pharmacy_n):
        JobRun.objects.create(pharmacy=pharmacy, job=JobRun.Job.NIGHTLY, period="2026-11-30",
                              state=JobRun.State.DONE, finished_at=timezone.now())
    client = login(supervisor)
    runs = client.get(reverse("admin:pharmacies_jobrun_changelist")).text
    pharmacies = client.get(reverse("admin:pharmacies_pharmacy_changelist")).text
    assert pharmacy_a.name in runs and pharmacy_n.name not in runs
    assert pharmacy_a.name in pharmacies and pharmacy_n.name not in pharmacies
    hidden = JobRun.objects.get(pharmacy=pharmacy_n)
    assert client.get(reverse("admin:pharmacies_jobrun_change", args=[hidden.pk])).status_code in (302, 404)


def test_a_superuser_exists_only_through_break_glass_with_a_reason_and_it_is_logged(supervisor):
    with pytest.raises(CommandError, match="raison"):
        call_command("break_glass", supervisor.username)
    call_command("break_glass", supervisor.username, reason="ticket 4521 : réparer un motif")
    supervisor.refresh_from_db()
    assert supervisor.is_superuser
    call_command("break_glass", supervisor.username, end=True)
    supervisor.refresh_from_db()
    assert not supervisor.is_superuser and supervisor.is_staff
    messages = list(LogEntry.objects.order_by("pk").values_list("change_message", flat=True))
    assert messages == [f"Accès d'urgence ouvert à {supervisor.username} : ticket 4521 : réparer un motif",
                        f"Accès d'urgence retiré à {supervisor.username}"]
