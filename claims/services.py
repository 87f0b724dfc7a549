"""Writes of claims asked by the apps above (the imports and the night have their own modules)."""

from __future__ import annotations

from collections.abc import Iterable

from claims.models import Claim, ClaimStatus

# The statuses a person decides on a claim through its rejection (the night keeps them).
DECIDED_STATUSES = (ClaimStatus.REINVOICED, ClaimStatus.WRITTEN_OFF)


def claims_status_decide(*, claim_ids: Iterable[int], status: str) -> int:
    """Set a person's decision on claims (re-invoiced, or lost), in one UPDATE."""
    if status not in DECIDED_STATUSES:
        raise ValueError(f"{status!r} is not a status a person decides on a claim")
    return Claim.objects.filter(pk__in=list(claim_ids)).update(status=status)
