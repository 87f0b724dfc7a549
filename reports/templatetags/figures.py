"""The figures' names and definitions (reports.figures.WORDS) for templates:
`{% figure_label "overdue" %}`, `{% figure_help "overdue" %}` — one wording everywhere."""

from __future__ import annotations

from django import template

from reports.figures import WORDS

register = template.Library()


@register.simple_tag
def figure_label(key: str, lower: bool = False) -> str:
    """The figure's name; `lower=True` inside a sentence ("montant à risque")."""
    label = WORDS[key][0]
    return label[0].lower() + label[1:] if lower else label


@register.simple_tag
def figure_help(key: str) -> str:
    return WORDS[key][1]
