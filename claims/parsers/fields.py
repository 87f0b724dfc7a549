"""Checks of the identifiers claims and returns share (one rule, one place).

Each function returns the normalised value or raises `ValueError` with a
French message; the CSV parsers turn it into a `Problem` for the line/column.
"""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError
from stdnum.fr import nir as stdnum_nir

PAYER_KINDS = frozenset({"AMO", "AMC"})


def normalize_finess(value: str) -> str:
    return value.strip().upper()


def check_finess(value: str, expected: str) -> str:
    finess = normalize_finess(value)
    if finess != expected:
        raise ValueError(
            f"FINESS {finess or '(vide)'} différent de celui de la pharmacie ({expected})"
        )
    return finess


def parse_invoice_number(value: str) -> str:
    number = value.strip()
    if len(number) != 9 or not number.isdigit() or not number.isascii():
        raise ValueError(f"numéro de facture « {number} » : 9 chiffres attendus")
    return number


def parse_payer_kind(value: str) -> str:
    kind = value.strip().upper()
    if kind not in PAYER_KINDS:
        raise ValueError(f"payeur « {value.strip()} » inconnu (attendu AMO ou AMC)")
    return kind


def normalize_organism_code(value: str, payer_kind: str) -> str:
    """AMO: 9 digits (régime 2 + caisse 3 + centre 4); AMC: up to 10 characters, zero-padded."""
    code = "".join(value.split()).upper()
    if payer_kind == "AMO":
        if len(code) != 9 or not code.isdigit() or not code.isascii():
            raise ValueError(f"code organisme AMO « {code} » : 9 chiffres attendus")
        return code
    if not code or len(code) > 10 or not code.isalnum() or not code.isascii():
        raise ValueError(f"numéro AMC « {code} » : 1 à 10 caractères alphanumériques attendus")
    return code.zfill(10)


# The shape stdnum.fr.nir.validate accepts once compacted: 5 digits, département
# (2 digits or 2A/2B), 8 digits.
_NIR_SHAPE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}")


def split_nir(value: str) -> tuple[str, str]:
    """15-character NIR (13 + key, 2A/2B allowed) → (13 characters, key), key checked."""
    number = value.strip().upper()
    # stdnum's compact() (Unicode cleaning) costs more than the whole rest of a
    # claim row; a value already in compact shape only needs stdnum's key.
    if _NIR_SHAPE.fullmatch(number) and stdnum_nir.calc_check_digits(number) == number[13:]:
        return number[:13], number[13:]
    number = stdnum_nir.compact(value)
    try:
        stdnum_nir.validate(number)
    except ValidationError:
        if _NIR_SHAPE.fullmatch(number):  # right shape, wrong key
            expected = stdnum_nir.calc_check_digits(number)
            raise ValueError(f"clé de contrôle incorrecte (attendue {expected})") from None
        raise ValueError("NIR invalide : 15 caractères attendus (13 + clé)") from None
    return number[:13], number[13:]


def parse_rpps(value: str) -> str:
    rpps = value.strip()
    if len(rpps) != 11 or not rpps.isdigit() or not rpps.isascii() or rpps[0] != "1":
        raise ValueError(f"RPPS « {rpps} » : 11 chiffres commençant par 1 attendus")
    return rpps
