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

# A data set that does not say its delegations (an older pharmacies.json) gets
# every case in turn: total delegation, partial delegation, none. The generator
# writes each pharmacy's own (`delegation`, `delegation_hours`): those are applied.
DEMO_DELEGATIONS = [
    (DelegationMode.TOTAL, None),
    (DelegationMode.PARTIAL, 20),
    (DelegationMode.NONE, None),
]
# A partial delegation without hours in the data gets these (the model requires some).
DEFAULT_PARTIAL_HOURS = 20


def demo_delegation(entry: dict, index: int) -> tuple[str, int | None]:
    """The delegation of the `index`-th (from 1) pharmacy of pharmacies.json."""
    mode = entry.get("delegation")
    if mode is None:
        return DEMO_DELEGATIONS[(index - 1) % len(DEMO_DELEGATIONS)]
    mode = DelegationMode(mode)
    if mode != DelegationMode.PARTIAL:
        return mode, None
    return mode, entry.get("delegation_hours") or DEFAULT_PARTIAL_HOURS


def delegation_text(pharmacy: Pharmacy) -> str:
    """`Pharmacie du Pont — délégation partielle (16 h/mois)`: what a demo login works on."""
    mode = pharmacy.get_delegation_mode_display().lower()
    if pharmacy.delegation_mode == DelegationMode.PARTIAL and pharmacy.delegation_hours_per_month:
        mode += f" ({pharmacy.delegation_hours_per_month} h/mois)"
    return f"{pharmacy.name} — {mode}"


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
        mode, hours = demo_delegation(entry, index)
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
            logins.append(DemoLogin(username, member.get_role_display(), delegation_text(pharmacy)))

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
        names = "; ".join(
            delegation_text(assignment.pharmacy)
            for assignment in manager.assignments.select_related("pharmacy").order_by("pharmacy__name")
        )
        logins.append(DemoLogin(manager.username, "Gestionnaire Backoffice", names or "aucune pharmacie déléguée"))
    supervisor = _user("superviseur", kind=User.Kind.SUPERVISOR, first_name="Claire", last_name="Rousseau",
                       email="superviseur@backoffice.example", is_staff=True)
    _demo_second_factor(supervisor)
    logins.append(DemoLogin("superviseur", "Superviseur Backoffice", "toutes les pharmacies déléguées, administration"))
    return logins
