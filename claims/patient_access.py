"""The log of access to patients' data (issue 9): one row per page view showing a patient."""

from __future__ import annotations

from claims.models import Claim, PatientDataAccess
from pharmacies.models import User


def patient_access_log(*, user: User, claim: Claim, page: str) -> None:
    PatientDataAccess.objects.create(pharmacy_id=claim.pharmacy_id, claim=claim, user=user, page=page)
