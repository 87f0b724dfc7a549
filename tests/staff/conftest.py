"""Staff-page fixtures: a pharmacy that works its own file (no delegation) and its people."""

from __future__ import annotations

import pytest

from pharmacies.models import DelegationMode, StaffRole
from tests.factories import ClaimFactory, PharmacyFactory, RejectionFactory, StaffMemberFactory


@pytest.fixture
def pharmacy_n(db):
    return PharmacyFactory(name="Pharmacie N", delegation_mode=DelegationMode.NONE)


@pytest.fixture
def preparateur_n(pharmacy_n):
    return StaffMemberFactory(
        pharmacy=pharmacy_n, role=StaffRole.PREPARATEUR, user__username="preparateur_n",
        operator_code="PREP1",
    ).user


@pytest.fixture
def titulaire_n(pharmacy_n):
    return StaffMemberFactory(
        pharmacy=pharmacy_n, role=StaffRole.TITULAIRE, user__username="titulaire_n",
        operator_code="TIT1",
    ).user


@pytest.fixture
def rejection_n(pharmacy_n):
    return RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n, patient_name="MARTIN Paul"))


@pytest.fixture
def rejection_a(pharmacy_a):
    return RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_a))


@pytest.fixture
def rejection_b(pharmacy_b):
    return RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_b))
