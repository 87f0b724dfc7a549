"""Money: its precision, its rounding, the one French amount parser and the one formatter.

Every amount is a `Decimal` with `MONEY_DECIMAL_PLACES` places that fits
`MONEY_MAX_DIGITS` digits (the database's `numeric(12, 2)`). Rounding is half-up
(`1,005` → `1,01`), the rounding a French reader expects on a screen or a letter;
`quantize_money` is the only place it is done.

Reading (`parse_decimal`, `parse_amount`) accepts what people and exports write:
`1 234,56`, `1 234,56 €` (normal, no-break or narrow no-break spaces),
`1.234,56`, `1,234.56`, `1234.56`, `1234,5`, `-12,30`, `12,30-`, `(12,30)`, `+3`.

In files (`parse_decimal`), a single separator, dot or comma, is always the decimal
mark: `1.234` reads 1.234 (not one thousand two hundred and thirty-four). Bank and LGO exports write
`1234.567`-like plain numbers far more often than a bare thousands dot, and the
importers have always read it so. Thousands dots are recognised only when they
cannot be a decimal mark: two or more groups (`1.234.567`) or a comma after them
(`1.234,56`). What a person types (`parse_amount`) is not guessed: `1.234` and
`0,125` are refused with the reason.

Writing (`format_decimal`, `format_euros`, `format_percent`) follows French
typography: narrow no-break space between thousands, comma decimal mark,
no-break space before `€` and `%`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2
MONEY_ROUNDING = ROUND_HALF_UP
CENT = Decimal(1).scaleb(-MONEY_DECIMAL_PLACES)
# The largest amount `numeric(12, 2)` holds: 9 999 999 999,99.
MONEY_MAX = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES) - CENT

THOUSANDS = "\u202f"  # narrow no-break space, as French typography wants
NBSP = "\u00a0"


def round_half_up(value: Decimal, places: int) -> Decimal:
    """`value` to `places` decimals, half-up (half away from zero, as PostgreSQL's round)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=MONEY_ROUNDING)


def quantize_money(value: Decimal) -> Decimal:
    """`value` rounded to the cent, half-up: the one rounding of an amount."""
    return round_half_up(value, MONEY_DECIMAL_PLACES)


# --- reading -----------------------------------------------------------------

_PLAIN_DECIMAL = re.compile(r"-?\d+(?:[.,]\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_CHECKED_DECIMAL = re.compile(r"[+-]?\d+(?:\.\d+)?")
_THOUSANDS_DOTS = re.compile(r"\d{1,3}(?:\.\d{3})+")


def parse_decimal(text: str) -> Decimal:
    """A French or plain decimal, exactly as written (no rounding); ValueError in French otherwise.

    `1 234,56`, `1234.56`, `-12,50 €`, `1.234,56`, `(12,00)`, `12,00-` → Decimal.
    """
    value = text.strip()
    if _PLAIN_DECIMAL.fullmatch(value):  # the common case of import files, kept fast
        return Decimal(value.replace(",", "."))
    raw = value
    value = _SPACES.sub("", value.replace("€", "").removesuffix("EUR")).replace("\u2212", "-")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value.endswith("-"):
        negative, value = True, value[:-1]
    if "," in value and "." in value:
        thousands = "." if value.rfind(",") > value.rfind(".") else ","
        value = value.replace(thousands, "").replace(",", ".")
    elif value.count(",") == 1:
        value = value.replace(",", ".")
    elif value.count(".") > 1 and _THOUSANDS_DOTS.fullmatch(value.lstrip("+-")):
        value = value.replace(".", "")
    if not _CHECKED_DECIMAL.fullmatch(value):
        raise ValueError(f"montant illisible « {raw} »")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"montant illisible « {raw} »") from None
    return -number if negative else number


_AMBIGUOUS_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}\.\d{3}")  # a dot: the English decimal, or French thousands


def parse_amount(text: str) -> Decimal:
    """An amount typed by a person → Decimal, to the cent.

    Stricter than the files' reader: what a person means must not be guessed. `1.234`
    (one thousand two hundred and thirty-four, or 1,234?) and `0,125` (which cent?)
    are refused rather than silently read as 1,23 € or rounded. ValueError with a French
    message when unreadable, ambiguous, finer than the cent or too large.
    """
    compact = _SPACES.sub("", text.strip().replace("€", ""))
    if _AMBIGUOUS_THOUSANDS.fullmatch(compact):
        whole, _, part = compact.partition(".")
        raise ValueError(
            f"montant ambigu « {text.strip()} » : écrivez {whole}{THOUSANDS}{part} pour des milliers, "
            f"ou {whole},{part[:2]} pour des centimes"
        )
    number = parse_decimal(text)
    if number != number.quantize(CENT):
        raise ValueError(f"montant au centime près, pas plus fin : « {text.strip()} »")
    amount = quantize_money(number)
    if abs(amount) > MONEY_MAX:
        raise ValueError(f"montant trop grand « {text.strip()} »")
    return amount


# --- writing -----------------------------------------------------------------


def _group(integer_part: str) -> str:
    groups: list[str] = []
    while len(integer_part) > 3:
        groups.insert(0, integer_part[-3:])
        integer_part = integer_part[:-3]
    groups.insert(0, integer_part)
    return THOUSANDS.join(groups)


def format_decimal(value: object, places: int = 2) -> str:
    """`1234.5` → `1 234,50` (half-up rounding); "" for what is not a number."""
    try:
        number = Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if not number.is_finite():
        return ""
    number = round_half_up(number, places)
    sign = "-" if number < 0 else ""
    integer_part, _, fraction = f"{abs(number):.{places}f}".partition(".")
    text = _group(integer_part)
    return f"{sign}{text},{fraction}" if places else f"{sign}{text}"


def format_euros(value: object) -> str:
    """`-1234.567` → `-1 234,57 €`; "" for what is not a number."""
    text = format_decimal(value, MONEY_DECIMAL_PLACES)
    return f"{text}{NBSP}€" if text else ""


def format_percent(ratio: object, places: int = 1) -> str:
    """A ratio (`0.025`) as a French percentage (`2,5 %`); "" for what is not a number."""
    try:
        number = Decimal(str(ratio)) * 100
    except (InvalidOperation, TypeError, ValueError):
        return ""
    text = format_decimal(number, places)
    return f"{text}{NBSP}%" if text else ""


def euros_sql(expression: str) -> str:
    """The SQL twin of `format_euros`, for texts PostgreSQL writes set-based (a history
    line built in an INSERT … SELECT): `expression` (numeric) → `1 234,57 €`.

    to_char rounds half away from zero, like `quantize_money`; its `,` and `.` are
    the locale-free group and decimal marks, swapped for French ones by translate.
    tests/core/test_money_sql.py checks both give the same text.
    """
    return (
        f"(translate(to_char(({expression}), 'FM999,999,999,999,990.00'), ',.', '{THOUSANDS},')"
        f" || '{NBSP}€')"
    )
