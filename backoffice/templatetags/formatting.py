"""French formatting for templates: `{% load formatting %}`.

Thin wrappers around `core.money` (the one formatter): `{{ amount|euros }}` →
`1 234,56 €`, `{{ ratio|percent }}` → `2,5 %`, `{{ n|integer }}` → `2 100`,
`{{ days|number }}` → `12,5`; an empty value shows `—`.
"""

from __future__ import annotations

from django import template

from core.money import format_decimal, format_euros, format_percent

register = template.Library()


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
    return format_percent(value, int(places))


@register.filter
def integer(value) -> str:
    if value is None or value == "":
        return "—"
    return format_decimal(value, 0)


@register.filter
def number(value, places: int = 1) -> str:
    """A plain number in French format (`12,5`), e.g. a delay in days."""
    if value is None or value == "":
        return "—"
    return format_decimal(value, int(places))
