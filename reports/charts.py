"""pygal SVG charts for pages and PDF reports.

Charts are returned as `data:` URIs for an `<img>`: an SVG image carries its
own styles without breaking the page's CSP (no inline style or script in the
page), and WeasyPrint draws the same URI in PDFs. pygal's tooltips script is
disabled (`js=[]`): it would be fetched from a CDN.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

import pygal
from pygal.style import Style

from core.money import format_decimal, format_euros, format_percent

CHART_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1d2733",
    foreground_strong="#1d2733",
    foreground_subtle="#8a96a3",
    colors=("#0b5cad", "#b35c00", "#1f7a3a", "#b42318", "#6b4fa0"),
    font_family="DejaVu Sans, Arial, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    value_font_size=10,
    title_font_size=13,
    legend_font_size=11,
)


def _config(**overrides) -> dict:
    config = {
        "style": CHART_STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "show_legend": False,
        "width": 640,
        "height": 260,
        "margin": 12,
        "explicit_size": True,
    }
    config.update(overrides)
    return config


SCRIPT_ELEMENT = re.compile(rb"<script\b.*?</script>", re.DOTALL)


def svg_data_uri(svg: bytes | str) -> str:
    """The SVG as an image URI, without pygal's config script (an image runs none)."""
    raw = svg.encode() if isinstance(svg, str) else svg
    raw = SCRIPT_ELEMENT.sub(b"", raw)
    return "data:image/svg+xml;base64," + base64.b64encode(raw).decode("ascii")


def percent_trend_chart(
    *, title: str, labels: Sequence[str], rates: Sequence[float | None], **overrides
) -> str:
    """A line of monthly rates (ratios, 0.025 = 2,5 %) as a data URI."""
    chart = pygal.Line(
        **_config(title=title, value_formatter=lambda v: format_percent(v, 1), **overrides)
    )
    chart.x_labels = list(labels)
    chart.y_labels_major_every = 2
    chart.add("Taux de rejet", [None if r is None else float(r) for r in rates])
    return svg_data_uri(chart.render())


# Horizontal bars: one row per item, so the chart grows with the items instead of
# squeezing them; a long label is cut (the table under the chart has it whole).
BAR_ROW_HEIGHT = 26
BAR_CHART_FRAME = 70  # title, axis and margins
BAR_LABEL_LENGTH = 42


def _short(label: str, length: int = BAR_LABEL_LENGTH) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"


def horizontal_bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | Decimal],
    value_formatter: Callable[[float], str] = lambda v: format_decimal(v, 0),
    **overrides,
) -> str:
    """Bars read from the top in the order given (largest first, usually), each with its
    value printed at its end, as a data URI. pygal draws the first label at the bottom:
    the lists are reversed for it."""
    largest = max((float(v) for v in values), default=0.0)
    config = _config(
        title=title,
        height=BAR_CHART_FRAME + BAR_ROW_HEIGHT * max(len(labels), 1),
        # Room after the longest bar for its printed value.
        range=(0, largest * 1.2 or 1),
        print_values=True,
        print_values_position="top",
        value_formatter=value_formatter,
        truncate_label=-1,
        show_x_labels=False,  # the values are printed on the bars: no scale to read
        **overrides,
    )
    chart = pygal.HorizontalBar(**config)
    chart.x_labels = [_short(label) for label in reversed(labels)]
    chart.add("", [float(v) for v in reversed(values)])
    return svg_data_uri(chart.render())


def count_bar_chart(*, title: str, labels: Sequence[str], counts: Sequence[int], **overrides) -> str:
    return horizontal_bar_chart(title=title, labels=labels, values=counts, **overrides)


def euros_bar_chart(*, title: str, labels: Sequence[str], amounts: Sequence[Decimal], **overrides) -> str:
    return horizontal_bar_chart(
        title=title, labels=labels, values=amounts,
        value_formatter=lambda v: format_euros(Decimal(str(v))), **overrides,
    )
