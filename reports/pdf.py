"""HTML template → PDF bytes with WeasyPrint: one place for every PDF of the product.

PDF templates use their own print stylesheet (`static/css/print.css`), linked
as a file URL: big CSS frameworks make WeasyPrint slow.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported late: heavy, and only PDF workers need it

    html = render_to_string(template_name, context)
    base_url = str(settings.BASE_DIR / "static") + "/"
    return HTML(string=html, base_url=base_url).write_pdf()
