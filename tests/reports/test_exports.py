"""The Excel writer, read back by another library (openpyxl): the file is valid and typed."""

import datetime as dt
import io
import os
import tempfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.xlsx import NUMBER_FORMATS, Column, Sheet, write_workbook
from rejections.models import Rejection, RejectionStatus
from reports.exports import rejections_sheet, workbook_response
from tests.reports.dataset import build_month

COLUMNS = [
    Column("Rejeté le", 12, "date"), Column("Patient", 26), Column("Montant", 14, "money"),
    Column("Ancienneté (jours)", 12, "integer"), Column("Taux", 10, "percent"),
    Column("Délai (jours)", 12, "decimal"),
]
ROWS = [
    (dt.date(2026, 10, 5), "MARTIN Paul", Decimal("1234.56"), 12, 0.125, 3.5),
    (dt.date(2026, 10, 31), "=HYPERLINK(\"http://x\")", Decimal("0.10"), 0, None, None),
    (None, "http://exemple.fr", None, None, 1, 0),
]


def written(sheets) -> "openpyxl.Workbook":  # noqa: F821
    target = io.BytesIO()
    write_workbook(sheets, target)
    return load_workbook(io.BytesIO(target.getvalue()))


def test_dates_are_dates_and_amounts_numbers_in_their_format():
    sheet = written([Sheet("Rejets", COLUMNS, iter(ROWS))])["Rejets"]
    date, patient, money, integer, percent, decimal = sheet[2]
    assert date.value == dt.datetime(2026, 10, 5) and date.is_date
    assert date.number_format == NUMBER_FORMATS["date"]
    assert money.value == pytest.approx(1234.56) and money.data_type == "n"
    assert money.number_format == NUMBER_FORMATS["money"]
    assert (integer.value, integer.number_format) == (12, NUMBER_FORMATS["integer"])
    assert (percent.value, percent.number_format) == (0.125, NUMBER_FORMATS["percent"])
    assert (decimal.value, decimal.number_format) == (3.5, NUMBER_FORMATS["decimal"])
    assert patient.value == "MARTIN Paul" and patient.data_type == "s"


def test_text_is_never_a_formula_or_a_link():
    sheet = written([Sheet("Rejets", COLUMNS, ROWS)])["Rejets"]
    assert sheet["B3"].value == '=HYPERLINK("http://x")' and sheet["B3"].data_type == "s"
    assert sheet["B4"].value == "http://exemple.fr" and sheet["B4"].hyperlink is None


def test_missing_values_are_empty_cells():
    sheet = written([Sheet("Rejets", COLUMNS, ROWS)])["Rejets"]
    assert [c.value for c in sheet[4]] == [None, "http://exemple.fr", None, None, 1, 0]


def test_the_header_is_styled_frozen_and_filtered_and_columns_have_their_widths():
    sheet = written([Sheet("Rejets", COLUMNS, ROWS)])["Rejets"]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert all(c.font.bold for c in sheet[1])
    assert sheet["A1"].fill.fgColor.rgb.endswith("EEF2F6")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F4"
    for letter, column in zip("ABCDEF", COLUMNS, strict=True):
        # Excel stores a width with its cell padding: 12 characters read back as 12.71.
        assert sheet.column_dimensions[letter].width == pytest.approx(column.width, abs=1)


def test_several_sheets_and_an_empty_one():
    workbook = written([
        Sheet("Une feuille au titre beaucoup trop long pour Excel", COLUMNS, ROWS),
        Sheet("Vide", COLUMNS, []),
    ])
    assert workbook.sheetnames == ["Une feuille au titre beaucoup t", "Vide"]
    assert workbook["Vide"].max_row == 1
    assert workbook["Vide"].auto_filter.ref == "A1:F1"


def test_a_text_too_long_for_excel_is_cut_and_the_row_still_complete():
    long_text = "x" * 40_000
    row = (dt.date(2026, 10, 5), long_text, Decimal("1.00"), 2, 0.5, 1.5)
    sheet = written([Sheet("Rejets", COLUMNS, [row])])["Rejets"]
    assert len(sheet["B2"].value) == 32_767
    assert [c.value for c in sheet[2]][2:] == [1, 2, 0.5, 1.5]


def test_the_rows_are_read_once_as_they_come():
    pulled = []

    def rows():
        for row in ROWS:
            pulled.append(row)
            yield row

    written([Sheet("Rejets", COLUMNS, rows())])
    assert pulled == ROWS


def test_rows_failing_half_way_leave_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield ROWS[0]
        raise ConnectionError("la base ne répond plus")

    with pytest.raises(ConnectionError):
        write_workbook([Sheet("Rejets", COLUMNS, rows())], io.BytesIO())
    assert list(tmp_path.iterdir()) == []


def test_the_download_is_a_file_on_disk_not_bytes_in_memory():
    response = workbook_response("rejets.xlsx", [Sheet("Rejets", COLUMNS, ROWS)])
    assert response["Content-Disposition"] == 'attachment; filename="rejets.xlsx"'
    # A temporary file on disk (a BytesIO has no file descriptor), streamed by chunks.
    assert os.fstat(response.file_to_stream.fileno()).st_size > 0
    assert load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Rejets"].max_row == 4


def test_the_rejections_export_types_every_date_and_amount(pharmacy_a, db):
    data = build_month(pharmacy=pharmacy_a, month=dt.date(2026, 10, 1),
                       operators={"OP-A": (80, 0.3)}, error_prone="OP-A")
    queryset = Rejection.objects.filter(pharmacy=pharmacy_a)
    sheet = written([rejections_sheet(queryset)])["Rejets"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == queryset.count() == sum(len(c.reasons) for c in data.claims)
    for name in ("Rejeté le", "Transmise le"):
        assert all(row[header.index(name)].is_date for row in rows), name
    for name in ("Montant en jeu", "Montant récupéré"):
        cells = [row[header.index(name)] for row in rows]
        assert all(c.data_type == "n" for c in cells), name
        assert all(c.number_format == NUMBER_FORMATS["money"] for c in cells), name
    amounts = sorted(Decimal(str(row[header.index("Montant en jeu")].value)) for row in rows)
    assert amounts == sorted(queryset.values_list("amount", flat=True))
    assert {row[header.index("Statut")].value for row in rows} <= set(RejectionStatus.labels)
