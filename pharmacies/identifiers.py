"""Checks of the French identifiers the product handles (pure functions)."""

from __future__ import annotations

import re

FINESS_SHAPE = re.compile(r"^(\d{2}|2A|2B)\d{7}$")
RPPS_SHAPE = re.compile(r"^1\d{10}$")
AMO_CODE_SHAPE = re.compile(r"^\d{9}$")
AMC_NUMBER_SHAPE = re.compile(r"^[0-9A-Z]{10}$")


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def finess_shape_is_valid(finess: str) -> bool:
    return bool(FINESS_SHAPE.match(finess))


def finess_checksum_is_valid(finess: str) -> bool:
    """Luhn over the 9 characters, Corsica 2A/2B read as 20 (as public validators do).

    No official text was found: a failing checksum is a warning, not a refusal.
    """
    if not finess_shape_is_valid(finess):
        return False
    return luhn_is_valid(finess.replace("2A", "20", 1).replace("2B", "20", 1)[:9])


def rpps_is_valid(rpps: str) -> bool:
    return bool(RPPS_SHAPE.match(rpps))
