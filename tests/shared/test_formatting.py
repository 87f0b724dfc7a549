from decimal import Decimal

from django.template import Context, Template

from core.money import format_euros
from reports.charts import percent_trend_chart


def test_euros_are_written_the_french_way():
    assert format_euros(Decimal("1234.5")) == "1\u202f234,50\u00a0€"
    assert format_euros(Decimal("-1234567.005")) == "-1\u202f234\u202f567,01\u00a0€"
    assert format_euros(Decimal("0")) == "0,00\u00a0€"


def test_template_filters():
    rendered = Template("{% load formatting %}{{ a|euros }}|{{ r|percent }}|{{ n|integer }}|{{ none|euros }}").render(
        Context({"a": Decimal("48.2"), "r": 0.025, "n": 2100, "none": None})
    )
    assert rendered == "48,20\u00a0€|2,5\u00a0%|2\u202f100|—"


def test_trend_chart_is_an_svg_image_without_script():
    import base64

    uri = percent_trend_chart(title="Taux", labels=["oct. 26"], rates=[0.025])
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert "<svg" in svg and "<script" not in svg


def test_ids_are_never_grouped_in_templates():
    """`USE_THOUSAND_SEPARATOR` would write value="2 390" in forms once ids pass 999."""
    assert Template("{{ pk }}").render(Context({"pk": 2390})) == "2390"


def test_month_names_come_from_django_french_date_formats():
    import datetime as dt

    from django.utils import translation

    from reports.months import month_label, month_name

    assert month_name(dt.date(2026, 10, 1)) == "octobre 2026"
    assert month_name(dt.date(2026, 8, 1)) == "août 2026"
    assert month_label(dt.date(2026, 12, 1)) == "déc. 26"
    with translation.override("en"):  # a worker or a test without the French locale active
        assert month_name(dt.date(2027, 2, 1)) == "février 2027"
