"""The demo's people: created from pharmacies.json, one login per role, idempotent."""

import io
import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from backoffice.demo import DEMO_PASSWORD, demo_people_create
from core.periods import add_months, first_of_month
from pharmacies.access import visible_pharmacies
from pharmacies.models import DelegationMode, Pharmacy, StaffMember, User
from reports.models import MonthlyReport
from tests.factories import finess_for
from tests.generated import generate_demo_data


def pharmacies_json(tmp_path, count=3):
    described = [
        {
            "finess": finess_for(5000 + n),
            "name": f"Pharmacie Démo {n}",
            "city": "Lyon",
            "staff": [
                {"first_name": "Anne", "last_name": f"Titu{n}", "role": "titulaire", "operator_code": "T1", "email": f"t{n}@x.test"},
                {"first_name": "Paul", "last_name": f"Prep{n}", "role": "preparateur", "operator_code": "P1", "email": ""},
                {"first_name": "Lea", "last_name": f"Prep{n}", "role": "preparateur", "operator_code": "P2", "email": ""},
            ],
        }
        for n in range(1, count + 1)
    ]
    path = tmp_path / "pharmacies.json"
    path.write_text(json.dumps(described), encoding="utf-8")
    return path


def test_demo_creates_every_role_and_each_lands_on_its_page(db, client, tmp_path, settings):
    settings.DEBUG = True  # demo_2fa_code serves the demo only
    logins = demo_people_create(pharmacies_file=pharmacies_json(tmp_path))

    usernames = {login.username for login in logins}
    assert {"titulaire1", "preparateur1", "gestionnaire1", "superviseur"} <= usernames
    assert Pharmacy.objects.count() == 3 and StaffMember.objects.count() == 9
    modes = list(Pharmacy.objects.order_by("name").values_list("delegation_mode", flat=True))
    assert modes == [DelegationMode.TOTAL, DelegationMode.PARTIAL, DelegationMode.NONE]

    expected_landing = {
        "titulaire1": reverse("pharmacies:dashboard", args=[Pharmacy.objects.get(name="Pharmacie Démo 1").pk]),
        "gestionnaire1": reverse("backoffice:portfolio"),
        "superviseur": reverse("backoffice:supervision"),
    }
    for username, landing in expected_landing.items():
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD}, follow=True)
        if username != "titulaire1":
            # Backoffice logins have a demo authenticator; its current code opens the page.
            assert response.redirect_chain[-1][0] == reverse("two_factor_verify")
            out = io.StringIO()
            call_command("demo_2fa_code", username, stdout=out)
            response = client.post(reverse("two_factor_verify"), {"token": out.getvalue().strip()}, follow=True)
        assert response.redirect_chain[-1][0] == landing, username


def test_demo_managers_see_only_delegated_pharmacies(db, tmp_path):
    demo_people_create(pharmacies_file=pharmacies_json(tmp_path))
    manager = User.objects.get(username="gestionnaire1")
    assert {p.name for p in visible_pharmacies(manager)} == {"Pharmacie Démo 1", "Pharmacie Démo 2"}


def test_demo_setup_runs_twice_without_duplicates(db, tmp_path):
    path = pharmacies_json(tmp_path)
    demo_people_create(pharmacies_file=path)
    demo_people_create(pharmacies_file=path)
    assert Pharmacy.objects.count() == 3
    assert User.objects.filter(username__startswith="titulaire").count() == 3


# --- the whole demo, as `make demo` runs it, on a small generated set ---------------

@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    """Two months ending last month, like the demo's year (smaller: scale 0.15)."""
    return generate_demo_data(tmp_path_factory.mktemp("demo"))


def test_the_demo_steps_end_with_last_months_reports_and_the_generators_delegations(demo_data, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    described = json.loads((demo_data / "pharmacies.json").read_text(encoding="utf-8"))
    # The Makefile's seed shows every case of delegation.
    assert sorted(entry["delegation"] for entry in described) == ["none", "partial", "total"]

    logins = io.StringIO()
    call_command("demo_setup", "--data", str(demo_data), stdout=logins)
    call_command("demo_load", "--data", str(demo_data), stdout=io.StringIO())
    call_command("run_matching", stdout=io.StringIO())
    summary = io.StringIO()
    call_command("monthly_reports", stdout=summary)

    last_month = add_months(first_of_month(timezone.localdate()), -1)
    for entry in described:
        pharmacy = Pharmacy.objects.get(finess=entry["finess"])
        assert pharmacy.delegation_mode == entry["delegation"], entry["name"]
        assert pharmacy.delegation_hours_per_month == entry["delegation_hours"], entry["name"]
        report = MonthlyReport.objects.get(pharmacy=pharmacy, month=last_month)
        assert report.state == MonthlyReport.State.SENT and report.pdf.read(4) == b"%PDF"
        # Each account's line names its pharmacy and its delegation.
        mode = pharmacy.get_delegation_mode_display().lower()
        titulaire = next(line for line in logins.getvalue().splitlines() if f"{entry['name']} — {mode}" in line)
        assert "Titulaire" in titulaire
    managed = {line.split()[0]: line for line in logins.getvalue().splitlines() if "Gestionnaire" in line}
    delegated = [e for e in described if e["delegation"] != "none"]
    for entry in delegated:
        assert any(entry["name"] in line for line in managed.values()), entry["name"]
    # A short summary (one line per pharmacy and a total), no e-mail in it.
    assert len(summary.getvalue().splitlines()) == 4 and "base64" not in summary.getvalue()
    sent = len(mail.outbox)
    assert sent == 3

    # make demo run again: nothing is sent twice.
    call_command("monthly_reports", stdout=io.StringIO())
    assert len(mail.outbox) == sent


def test_the_titulaire_s_reports_page_lists_the_demo_report(demo_data, db, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    call_command("demo_setup", "--data", str(demo_data), stdout=io.StringIO())
    call_command("demo_load", "--data", str(demo_data), stdout=io.StringIO())
    call_command("monthly_reports", stdout=io.StringIO())
    client.post(reverse("login"), {"username": "titulaire1", "password": DEMO_PASSWORD})
    pharmacy = User.objects.get(username="titulaire1").staff_member.pharmacy
    page = client.get(reverse("reports:archive", args=[pharmacy.pk]))
    report = MonthlyReport.objects.get(pharmacy=pharmacy)
    assert "le premier sera produit" not in page.text
    pdf = client.get(reverse("reports:pdf", args=[pharmacy.pk, report.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
