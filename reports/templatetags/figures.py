"""The figures' names and definitions (reports.figures.WORDS) for templates:
`{% figure_label "overdue" %}`, `{% figure_help "overdue" %}` — one wording everywhere."""

from __future__ import annotations

from django import template

from reports.figures import WORDS

register = template.Library()


@register.simple_tag
def figure_label(key: str) -> str:
    return WORDS[key][0]


@register.simple_tag
def figure_help(key: str) -> str:
    return WORDS[key][1]
