"""Excel exports: streamed openpyxl workbooks in write-only mode.

One writer for every export (rejections, unpaid claims, slips, bank lines,
statistics): callers give columns and an iterator of rows. Memory stays flat
in the row count: openpyxl write-only mode spools rows to a temporary file,
and querysets are read with `.iterator()` by the caller.
Dates are real dates and amounts real numbers (not text), the header row is
frozen, an auto-filter covers the table, and column widths are set.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NUMBER_FORMATS = {
    "text": "@",
    "date": "DD/MM/YYYY",
    "money": '#,##0.00 "€"',
    "integer": "0",
    "percent": "0.0%",
}


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    kind: Literal["text", "date", "money", "integer", "percent"] = "text"


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def write_workbook(sheets: Sequence[Sheet], target) -> None:
    """Write the sheets into `target` (a path or a binary file object)."""
    workbook = Workbook(write_only=True)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EEF2F6")
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        for index, column in enumerate(sheet.columns, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = column.width
        worksheet.freeze_panes = "A2"
        header = []
        for column in sheet.columns:
            cell = WriteOnlyCell(worksheet, value=column.header)
            cell.font = header_font
            cell.fill = header_fill
            header.append(cell)
        worksheet.append(header)
        row_count = 0
        formats = [NUMBER_FORMATS[c.kind] for c in sheet.columns]
        for row in sheet.rows:
            cells = []
            for value, number_format in zip(row, formats):
                cell = WriteOnlyCell(worksheet, value=value)
                cell.number_format = number_format
                cells.append(cell)
            worksheet.append(cells)
            row_count += 1
        last_column = get_column_letter(len(sheet.columns))
        worksheet.auto_filter.ref = f"A1:{last_column}{row_count + 1}"
    workbook.save(target)


def workbook_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """An HTTP download of the workbook, spooled to a temporary file (not built in memory)."""
    spool = tempfile.TemporaryFile()
    write_workbook(sheets, spool)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
