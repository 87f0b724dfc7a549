"""French formatting for templates: `{% load formatting %}`.

`{{ amount|euros }}` → `1 234,56 €` (narrow no-break space between thousands,
no-break space before the sign), `{{ ratio|percent }}` → `2,5 %`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

THOUSANDS = "\u202f"  # narrow no-break space, as French typography wants
NBSP = "\u00a0"


def _group(integer_part: str) -> str:
    groups = []
    while len(integer_part) > 3:
        groups.insert(0, integer_part[-3:])
        integer_part = integer_part[:-3]
    groups.insert(0, integer_part)
    return THOUSANDS.join(groups)


def format_decimal_fr(value, places: int = 2) -> str:
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    quantum = Decimal(1).scaleb(-places)
    number = number.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    integer_part, _, fraction = f"{abs(number):.{places}f}".partition(".")
    text = _group(integer_part)
    return f"{sign}{text},{fraction}" if places else f"{sign}{text}"


def format_euros(value) -> str:
    text = format_decimal_fr(value, 2)
    return f"{text}{NBSP}€" if text else ""


@register.filter
def euros(value) -> str:
    if value is None or value == "":
        return "—"
    return format_euros(value)


@register.filter
def percent(value, places: int = 1) -> str:
    """A ratio (0.025) shown as a French percentage (2,5 %)."""
    if value is None or value == "":
        return "—"
    text = format_decimal_fr(Decimal(str(value)) * 100, int(places))
    return f"{text}{NBSP}%"


@register.filter
def integer(value) -> str:
    if value is None or value == "":
        return "—"
    return format_decimal_fr(value, 0)


@register.filter
def number(value, places: int = 1) -> str:
    """A plain number in French format (`12,5`), e.g. a delay in days."""
    if value is None or value == "":
        return "—"
    return format_decimal_fr(value, int(places))
