"""Bar charts where people look (statistics page, PDF): each bar is a figure of
month_statistics, the payers with activity come first, the PDF's pages fill up."""

import base64
import datetime as dt
import re
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.template.loader import render_to_string

from claims.models import Claim, ClaimStatus, Organism, PayerKind
from core.money import format_euros
from pharmacies.models import StaffRole
from reports.services import CHART_REASONS, month_charts, report_context, report_produce
from reports.statistics import MAIN_PAYERS, month_statistics
from tests.factories import PharmacyFactory, StaffMemberFactory
from tests.reports.dataset import build_month

OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture
def dataset(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pharmacy = PharmacyFactory(name="Pharmacie des Tilleuls")
    StaffMemberFactory(pharmacy=pharmacy, role=StaffRole.TITULAIRE, user__email="titulaire@tilleuls.test")
    return build_month(
        pharmacy=pharmacy, month=OCTOBER,
        operators={"OP-A": (150, 0.03), "OP-B": (100, 0.3), "OP-C": (80, 0.04)}, error_prone="OP-B",
    )


def svg_texts(uri: str) -> list[str]:
    """The texts an SVG chart draws (labels, printed values), in document order."""
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    root = ET.fromstring(base64.b64decode(uri[len(prefix):]))
    return [" ".join("".join(node.itertext()).split()) for node in root.iter() if node.tag.endswith("}text")]


def test_each_bar_is_a_figure_of_the_month(dataset):
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)
    charts = month_charts(stats)

    texts = svg_texts(charts["reasons_chart"])
    shown = stats.reasons[:CHART_REASONS]
    for reason in shown:
        label = reason.label[:1].upper() + reason.label[1:]
        assert any(t == label or (t.endswith("…") and label.startswith(t[:-1])) for t in texts), label
    # The printed values are the counts, largest on top (pygal draws bottom-up: reversed).
    values = [int(t) for t in texts if t.isdigit()]
    assert sorted(values, reverse=True)[: len(shown)] == [r.count for r in shown]

    texts = svg_texts(charts["categories_chart"])
    for category in stats.categories:
        assert category.label in texts and str(category.count) in texts

    texts = svg_texts(charts["operators_chart"])
    for operator in stats.operators:
        if operator.rejected:
            assert operator.name in texts and str(operator.rejected) in texts
    assert sum(o.rejected for o in stats.operators) == stats.rejected_claims

    texts = svg_texts(charts["ageing_chart"])
    for bucket in stats.unpaid:
        assert bucket.label in texts
        assert " ".join(format_euros(bucket.amount).split()) in texts


def test_a_month_without_rejections_draws_no_empty_chart(db):
    pharmacy = PharmacyFactory()
    charts = month_charts(month_statistics(pharmacy=pharmacy, month=OCTOBER))
    assert charts == {"reasons_chart": None, "categories_chart": None, "operators_chart": None, "ageing_chart": None}


def drawn(html: str) -> list[list[str]]:
    """The texts of each chart image of a page (pygal gives each render its own ids)."""
    return [svg_texts(uri) for uri in re.findall(r'src="(data:image/svg\+xml;base64,[^"]+)"', html)]


def test_the_page_and_the_pdf_carry_the_four_charts(login, dataset):
    titulaire = dataset.pharmacy.staff.get(role=StaffRole.TITULAIRE).user
    page = login(titulaire).get(f"/pharmacies/{dataset.pharmacy.pk}/rapports/statistiques/?mois=2026-10")
    assert page.status_code == 200
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)
    expected = [svg_texts(uri) for uri in month_charts(stats).values()]
    html = render_to_string("reports/monthly_report.html", report_context(stats))
    for where in (page.text, html):
        images = drawn(where)
        for chart in expected:
            assert chart in images, chart[:3]
    # The CSP forbids inline style and script: charts are <img> of data: URIs.
    assert 'style="' not in page.text and "<svg" not in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)


def _payer(n: int) -> Organism:
    return Organism.objects.create(kind=PayerKind.AMC, code=f"99{n:08d}", name=f"MUTUELLE RARE {n:02d}")


def test_the_payers_with_activity_come_first_and_the_rest_behind_one_click(login, dataset):
    # Twenty payers with a single claim each, beside the dataset's two big ones.
    Claim.objects.bulk_create([
        Claim(pharmacy=dataset.pharmacy, invoice_number=f"88{n:07d}", payer_kind=PayerKind.AMC,
              organism=_payer(n), care_date=OCTOBER, transmission_date=OCTOBER, patient_name="PATIENT TEST",
              amount_claimed=Decimal("10.00"), operator_code="OP-A", status=ClaimStatus.PAID,
              amount_paid=Decimal("10.00"), paid_date=OCTOBER + dt.timedelta(days=3))
        for n in range(20)
    ])
    stats = month_statistics(pharmacy=dataset.pharmacy, month=OCTOBER)
    assert len(stats.payers) == 22 and len(stats.main_payers) == MAIN_PAYERS
    titulaire = dataset.pharmacy.staff.get(role=StaffRole.TITULAIRE).user
    text = login(titulaire).get(f"/pharmacies/{dataset.pharmacy.pk}/rapports/statistiques/?mois=2026-10").text
    before, details, after = text.partition('<details class="more" id="autres-organismes">')
    assert details, "the minor payers are behind a <details>"
    hidden = after.split("</details>")[0]
    assert "10 autres organismes" in hidden
    for payer in stats.main_payers:
        assert f"organisme={payer.organism_id}\"" in before and f"organisme={payer.organism_id}\"" not in hidden
    for payer in stats.minor_payers:
        assert f"organisme={payer.organism_id}\"" in hidden
    # The big ones lead the table.
    assert stats.main_payers[0].claims > 100 and stats.minor_payers[-1].claims == 1


def page_fill(pdf_html: str) -> list[float]:
    """How far down each page of the rendered PDF its content goes (0–1). WeasyPrint's
    layout boxes (a private API: this is a test) give each line, image and table row."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    document = HTML(string=pdf_html, base_url=str(django_settings.BASE_DIR / "static") + "/").render()
    fills = []
    for page in document.pages:
        box = page._page_box
        top, bottom = box.content_box_y(), box.content_box_y()
        for child in box.children:
            if isinstance(child, boxes.MarginBox):
                continue
            for leaf in child.descendants():
                if isinstance(leaf, (boxes.LineBox, boxes.ReplacedBox, boxes.TableRowBox)):
                    bottom = max(bottom, leaf.position_y + leaf.margin_height())
        fills.append((bottom - top) / box.height)
    return fills


def add_reasons(dataset, count: int) -> None:
    """`count` more reasons of the catalogue, one rejection each on claims of the month:
    the reasons table then runs over a page, as in a real month."""
    from rejections.catalogue import REASONS
    from rejections.models import Rejection
    from tests.reports.dataset import load_reasons

    used = set(dataset.reasons)
    keys = [(r.payer_kind, r.code) for r in REASONS if (r.payer_kind, r.code) not in used][:count]
    reasons = load_reasons(keys)
    claims = Claim.objects.filter(pharmacy=dataset.pharmacy, transmission_date__gte=OCTOBER).order_by("pk")[:count]
    Rejection.objects.bulk_create([
        Rejection(pharmacy=dataset.pharmacy, claim=claim, reason=reasons[key], amount=claim.amount_claimed,
                  rejected_on=claim.transmission_date, claim_sent_on=claim.transmission_date)
        for claim, key in zip(claims, keys, strict=False)
    ])


@pytest.mark.parametrize("operators, extra_reasons", [
    ({"OP-A": (150, 0.03), "OP-B": (100, 0.3), "OP-C": (80, 0.04)}, 0),
    ({"OP-A": (150, 0.03), "OP-B": (100, 0.3), "OP-C": (80, 0.04)}, 16),
    ({f"OP-{n}": (60, 0.08) for n in range(12)}, 30),
    ({"OP-A": (40, 0.03), "OP-B": (30, 0.3)}, 6),
])
def test_the_pdf_leaves_no_half_empty_page(db, operators, extra_reasons):
    pharmacy = PharmacyFactory(name="Pharmacie du Test des Pages")
    add_reasons(build_month(pharmacy=pharmacy, month=OCTOBER, operators=operators, error_prone="OP-B"), extra_reasons)
    html = render_to_string("reports/monthly_report.html", report_context(month_statistics(pharmacy=pharmacy, month=OCTOBER)))
    fills = page_fill(html)
    assert len(fills) >= 2
    # Every page but the last is at least three-quarters full.
    assert all(fill >= 0.75 for fill in fills[:-1]), [round(f, 2) for f in fills]


def test_the_pdf_draws_the_charts_text(dataset):
    report = report_produce(pharmacy_id=dataset.pharmacy.pk, month=OCTOBER)
    text = subprocess.run(["pdftotext", report.pdf.path, "-"], check=True, capture_output=True, text=True).stdout
    text = " ".join(text.split())
    for title in ("Rejets par motif", "Rejets par catégorie", "Factures rejetées par membre du personnel",
                  "Reste dû par ancienneté au 31/10/2026"):
        assert title in text
