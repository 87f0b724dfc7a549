"""Links that keep a worklist's state in the URL: `{% load worklist_tags %}`."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from claims.due import KINDS
from rejections.services import other_payer_kind
from rejections.worklist import WorklistState

register = template.Library()

TARGET = "#worklist-results"


@register.simple_tag(takes_context=True)
def worklist_url(context, state: WorklistState, **overrides) -> str:
    """This page's path with the state's query string, some values replaced."""
    return context["request"].path + state.querystring(**overrides)


@register.simple_tag(takes_context=True)
def sort_header(context, state: WorklistState, key: str, label: str, numeric: bool = False):
    """A column header that sorts (href for reading without JS, hx-get for the partial)."""
    url = context["request"].path + state.sort_link(key)
    if state.tri == key:
        aria, arrow = "ascending", " ▲"
    elif state.tri == f"-{key}":
        aria, arrow = "descending", " ▼"
    else:
        aria, arrow = "none", ""
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a href="{}" hx-get="{}" hx-target="{}" '
        'hx-swap="outerHTML" hx-push-url="true">{}{}</a></th>',
        aria, mark_safe(' class="num"') if numeric else "", url, url, TARGET, label, arrow,
    )


@register.filter
def rejection_status(value: str) -> str:
    """A status key as its French label (history rows store keys)."""
    from rejections.models import RejectionStatus

    if not value:
        return "—"
    try:
        return RejectionStatus(value).label
    except ValueError:
        return value


@register.filter
def other_payer(payer_kind: str) -> str:
    """AMO ↔ AMC: who gets a rejection "sent to the other payer" (`rejection_resolve`)."""
    return other_payer_kind(payer_kind)


@register.filter
def claim_kind(key: str):
    """The kind of a claim still owed (claims.due.KINDS): its label and next step."""
    return KINDS.get(key)
