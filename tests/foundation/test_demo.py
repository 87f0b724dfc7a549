"""The demo's people: created from pharmacies.json, one login per role, idempotent."""

import io
import json

from django.core.management import call_command

from django.urls import reverse

from backoffice.demo import DEMO_PASSWORD, demo_people_create
from pharmacies.access import visible_pharmacies
from pharmacies.models import DelegationMode, Pharmacy, StaffMember, User
from tests.factories import finess_for


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
