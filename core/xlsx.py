"""Excel workbooks: one streamed writer for every export (no Django, no app).

Callers give columns and an iterator of rows. Memory stays flat in the row count:
XlsxWriter's `constant_memory` mode writes each row to a temporary file as soon as the
next one starts, and the caller reads its rows with `.iterator()`. (Not openpyxl: its
write-only mode needs more CPU than the 10 s target for 100,000 rows on its own;
docs/decisions.md, "Reports and figures".) Dates are real dates and amounts real
numbers (not text), the header row is frozen, an auto-filter covers the table, and column
widths are set.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Literal

from xlsxwriter import Workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NUMBER_FORMATS = {
    "text": "@",
    "date": "DD/MM/YYYY",
    "money": '#,##0.00 "€"',
    "integer": "0",
    "percent": "0.0%",
    "decimal": "0.0",
}

WORKBOOK_OPTIONS = {
    # One row in memory at a time, the rest in a temporary file.
    "constant_memory": True,
    # Text stays text: a patient name or a bank label starting with "=" or
    # "http" is data, never a formula or a link (formula injection).
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

HEADER_STYLE = {"bold": True, "bg_color": "#EEF2F6", "pattern": 1}


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    kind: Literal["text", "date", "money", "integer", "percent", "decimal"] = "text"


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def write_workbook(sheets: Sequence[Sheet], target) -> None:
    """Write the sheets into `target` (a path or a seekable binary file object)."""
    # Closed even when the rows fail half-way (a lost database connection):
    # closing is what deletes the temporary file behind each sheet.
    with Workbook(target, WORKBOOK_OPTIONS) as workbook:
        header_format = workbook.add_format(HEADER_STYLE)
        formats = {kind: workbook.add_format({"num_format": code})
                   for kind, code in NUMBER_FORMATS.items()}
        for sheet in sheets:
            worksheet = workbook.add_worksheet(sheet.title[:31])
            for index, column in enumerate(sheet.columns):
                # A cell written without a format takes its column's: dates and
                # amounts get theirs from here, with no per-cell style. Text
                # columns keep the default ("General"), as typed text is text.
                worksheet.set_column(index, index, column.width,
                                     None if column.kind == "text" else formats[column.kind])
            worksheet.freeze_panes(1, 0)
            worksheet.write_row(0, 0, [column.header for column in sheet.columns], header_format)
            write_row = worksheet.write_row
            row_number = 0
            for row_number, row in enumerate(sheet.rows, start=1):
                if write_row(row_number, 0, row):
                    _write_row_cell_by_cell(worksheet, row_number, row)
            worksheet.autofilter(0, 0, row_number, len(sheet.columns) - 1)


def _write_row_cell_by_cell(worksheet, row_number: int, row: Sequence) -> None:
    # write_row stops at the first cell it could not write whole: a text over
    # Excel's 32,767 characters is written truncated (-2), and the rest of the
    # row must still come; past Excel's last row (-1) the export cannot be right.
    for index, value in enumerate(row):
        if worksheet.write(row_number, index, value) == -1:
            raise ValueError(
                f"Plus de {row_number - 1} lignes : au-delà de ce qu'Excel peut ouvrir."
            )


def spooled_workbook(sheets: Sequence[Sheet]) -> IO[bytes]:
    """The workbook in a temporary file (not built in memory), rewound, ready to send."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (returned open: the response closes it)
    write_workbook(sheets, spool)
    spool.seek(0)
    return spool
