"""The status vocabulary: every status value and every set of them, listed once.

The Django `TextChoices` (claims.models, rejections.models) take their values from
here and add the French labels; SQL builds its IN-lists from these sets with
`sql_in` instead of writing the values by hand. A new status is added here first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# --- claims (claims_claim.status) -----------------------------------------------
CLAIM_TRANSMITTED = "transmitted"
CLAIM_PAID = "paid"
CLAIM_PARTIAL = "partial"
CLAIM_REJECTED = "rejected"
CLAIM_UNPAID = "unpaid"
CLAIM_WRITTEN_OFF = "written_off"
CLAIM_REINVOICED = "reinvoiced"
CLAIM_TAKEN_BACK = "taken_back"  # paid, then (part of) it taken back by a recovery (INDU)

# Money still expected from the payer.
OPEN_CLAIM_STATUSES = (
    CLAIM_TRANSMITTED, CLAIM_PARTIAL, CLAIM_REJECTED, CLAIM_UNPAID, CLAIM_TAKEN_BACK,
)
# Decided by a person: returns still update the amounts, never the status.
HUMAN_CLAIM_STATUSES = (CLAIM_WRITTEN_OFF, CLAIM_REINVOICED)

# --- insurers' return lines (claims_returnline.status), as the insurers write them ---
RETURN_PAID = "PAYE"
RETURN_REJECTED = "REJETE"
RETURN_PARTIAL = "PARTIEL"
RETURN_RECOVERY = "INDU"  # a payment taken back: negative amount

RETURN_STATUSES = (RETURN_PAID, RETURN_REJECTED, RETURN_PARTIAL, RETURN_RECOVERY)
# Lines that move money (their amount is required and counts in what was paid).
MONEY_RETURN_STATUSES = (RETURN_PAID, RETURN_PARTIAL, RETURN_RECOVERY)
# Lines that pay (a recovery moves money back).
PAYMENT_RETURN_STATUSES = (RETURN_PAID, RETURN_PARTIAL)

# --- rejections (rejections_rejection.status) -----------------------------------------
REJECTION_TO_HANDLE = "to_handle"
REJECTION_IN_PROGRESS = "in_progress"
REJECTION_REINVOICED = "reinvoiced"
REJECTION_CLAIMED = "claimed"
REJECTION_PARTLY_RECOVERED = "partly_recovered"  # its re-invoice paid in part: the rest owed
REJECTION_BILLED_TO_PATIENT = "billed_patient"
REJECTION_WRITTEN_OFF = "written_off"
REJECTION_CLOSED = "closed"

# Not closed: the night may still find the money (re-invoice or claim paid).
OPEN_REJECTION_STATUSES = (
    REJECTION_TO_HANDLE,
    REJECTION_IN_PROGRESS,
    REJECTION_REINVOICED,
    REJECTION_CLAIMED,
    REJECTION_PARTLY_RECOVERED,
    REJECTION_BILLED_TO_PATIENT,
    REJECTION_WRITTEN_OFF,
)
# Waiting for someone to act: the worklists' "to handle" figures.
ACTIONABLE_REJECTION_STATUSES = (REJECTION_TO_HANDLE, REJECTION_IN_PROGRESS)


# --- SQL ------------------------------------------------------------------------------
_WORD = re.compile(r"[A-Za-z_]+")


def sql_literal(value: str) -> str:
    """`PAYE` → `'PAYE'`: a status as an SQL string literal (only plain words are allowed)."""
    if not _WORD.fullmatch(value):
        raise ValueError(f"not a status word: {value!r}")
    return f"'{value}'"


def sql_in(values: Iterable[str]) -> str:
    """A set of statuses as an SQL list: `('PAYE', 'PARTIEL', 'INDU')`."""
    words = [sql_literal(v) for v in values]
    if not words:
        raise ValueError("an empty status set has no SQL list")
    return f"({', '.join(words)})"
