"""Identifiers with their real check rules: NIR, FINESS, RPPS, French IBAN."""

from __future__ import annotations

from random import Random

from stdnum.fr import nir as stdnum_nir

from pharmacies.identifiers import luhn_is_valid


def luhn_complete(body: str) -> str:
    """`body` + the digit that makes it Luhn-valid."""
    for digit in "0123456789":
        if luhn_is_valid(body + digit):
            return body + digit
    raise AssertionError("unreachable")


def make_finess(rng: Random, departement: str) -> str:
    """9 characters: département (2A/2B kept), 6 digits, Luhn key computed on the
    Corsican form read as '20', as `pharmacies.identifiers` checks it."""
    if len(departement) == 3:  # overseas: 97 + the third digit starts the serial
        head, serial = departement[:2], departement[2] + f"{rng.randrange(10**5):05d}"
    else:
        head, serial = departement, "0" + f"{rng.randrange(10**5):05d}"
    numeric_head = "20" if head in ("2A", "2B") else head
    key = luhn_complete(numeric_head + serial)[-1]
    return head + serial + key


def make_rpps(rng: Random) -> str:
    """11 digits starting with 1 (10 + 8 digits + Luhn key, like real RPPS numbers)."""
    return luhn_complete("10" + f"{rng.randrange(10**8):08d}")


def make_nir(rng: Random, *, sex: int, year: int, month: int, birth_place: str) -> str:
    """15 characters: sex, yy, mm, place (dept 2 + commune 3, or 99 + country), order, key.

    `birth_place` is a département ('69', '2A', '971') or '99' for born abroad.
    """
    if birth_place == "99":
        place = "99" + f"{rng.randrange(100, 500):03d}"  # INSEE country code
    elif len(birth_place) == 3:
        place = birth_place[:2] + birth_place[2] + f"{rng.randrange(1, 100):02d}"
    else:
        place = birth_place + f"{rng.randrange(1, 900):03d}"
    body = f"{sex}{year % 100:02d}{month:02d}{place}{rng.randrange(1, 1000):03d}"
    return body + stdnum_nir.calc_check_digits(body)


def make_iban(rng: Random) -> tuple[str, str, str, str]:
    """A French IBAN with a valid RIB key and IBAN check digits.

    Returns (iban, bank code, branch code, account number) — CFONB needs the parts.
    """
    bank = f"{rng.choice((10278, 11306, 13335, 16006, 17806, 18206, 30002, 30003, 30004)):05d}"
    branch = f"{rng.randrange(10**5):05d}"
    account = f"{rng.randrange(10**11):011d}"
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    check = 98 - int(bban + "152700") % 97  # "FR00" as digits: F=15, R=27
    return f"FR{check:02d}{bban}", bank, branch, account
