"""Audit-trail fixtures: a pharmacy that works its own file (no delegation), its staff, a rejection."""

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
        user__first_name="Lucie", user__last_name="Perrin",
    ).user


@pytest.fixture
def rejection_n(pharmacy_n):
    return RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_n))


@pytest.fixture
def rejection_a(pharmacy_a):
    return RejectionFactory(claim=ClaimFactory(pharmacy=pharmacy_a))
