"""The demo's people: pharmacies from a generated `pharmacies.json`, and a login per role.

Everything here is idempotent (get-or-create by natural keys), so the demo
command can run again on an existing database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from backoffice.models import ManagerAssignment
from pharmacies.models import DelegationMode, Pharmacy, StaffMember, StaffRole, User

DEMO_PASSWORD = "demo-tiers-payant"

# The demo shows every case: total delegation, partial delegation, none.
DEMO_DELEGATIONS = [
    (DelegationMode.TOTAL, None),
    (DelegationMode.PARTIAL, 20),
    (DelegationMode.NONE, None),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    where: str


def _demo_second_factor(user: User) -> None:
    """Backoffice logins need a second factor: the demo gives them an authenticator
    device whose current code `manage.py demo_2fa_code USERNAME` prints."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="Démo", confirmed=True)


def _user(username: str, *, kind: str, first_name: str, last_name: str, email: str, **extra) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"kind": kind, "first_name": first_name, "last_name": last_name, "email": email, **extra},
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_people_create(*, pharmacies_file: Path) -> list[DemoLogin]:
    """Create the generated pharmacies with their staff, two managers and a supervisor."""
    described = json.loads(pharmacies_file.read_text(encoding="utf-8"))
    logins: list[DemoLogin] = []
    pharmacies: list[Pharmacy] = []
    for index, entry in enumerate(described, start=1):
        mode, hours = DEMO_DELEGATIONS[(index - 1) % len(DEMO_DELEGATIONS)]
        pharmacy, _ = Pharmacy.objects.update_or_create(
            finess=entry["finess"],
            defaults={
                "name": entry["name"],
                "city": entry.get("city", ""),
                "delegation_mode": mode,
                "delegation_hours_per_month": hours,
            },
        )
        pharmacies.append(pharmacy)
        first_by_role: dict[str, StaffMember] = {}
        for person in entry["staff"]:
            member, _ = StaffMember.objects.update_or_create(
                pharmacy=pharmacy,
                operator_code=person["operator_code"],
                defaults={
                    "first_name": person["first_name"],
                    "last_name": person["last_name"],
                    "role": person["role"],
                },
            )
            first_by_role.setdefault(person["role"], member)
        # One login for the titulaire and one for a préparateur of each pharmacy.
        for role, prefix in ((StaffRole.TITULAIRE, "titulaire"), (StaffRole.PREPARATEUR, "preparateur")):
            member = first_by_role.get(role)
            if member is None:
                continue
            username = f"{prefix}{index}"
            email = next(
                (p.get("email", "") for p in entry["staff"] if p["operator_code"] == member.operator_code),
                "",
            ) or f"{username}@pharmacie.example"
            user = _user(
                username, kind=User.Kind.PHARMACY, first_name=member.first_name,
                last_name=member.last_name, email=email,
            )
            if member.user_id != user.pk:
                member.user = user
                member.save(update_fields=["user"])
            logins.append(DemoLogin(username, member.get_role_display(), pharmacy.name))

    managers = [
        _user("gestionnaire1", kind=User.Kind.MANAGER, first_name="Inès", last_name="Garnier",
              email="gestionnaire1@backoffice.example"),
        _user("gestionnaire2", kind=User.Kind.MANAGER, first_name="Hugo", last_name="Lambert",
              email="gestionnaire2@backoffice.example"),
    ]
    for position, pharmacy in enumerate(pharmacies):
        if pharmacy.delegation_mode != DelegationMode.NONE:
            ManagerAssignment.objects.get_or_create(
                pharmacy=pharmacy, manager=managers[min(position // 2, 1)]
            )
    for manager in managers:
        _demo_second_factor(manager)
        names = ", ".join(
            manager.assignments.order_by("pharmacy__name").values_list("pharmacy__name", flat=True)
        )
        logins.append(DemoLogin(manager.username, "Gestionnaire Backoffice", names or "—"))
    supervisor = _user("superviseur", kind=User.Kind.SUPERVISOR, first_name="Claire", last_name="Rousseau",
                       email="superviseur@backoffice.example", is_staff=True)
    _demo_second_factor(supervisor)
    logins.append(DemoLogin("superviseur", "Superviseur Backoffice", "toutes les pharmacies déléguées, administration"))
    return logins
