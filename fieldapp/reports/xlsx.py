"""A one-sheet XLSX file written as it is sent: rows in, zip bytes out, memory flat whatever the length.

openpyxl (used for the small weekly report) cannot send anything before the whole workbook is saved,
and its write-only mode took 250 s for a million visit rows on the bench machine (12.6 s per 50,000;
no lxml). An XLSX is a zip of a few XML parts, so this writes the worksheet XML straight into a
streamed zip entry (sizes in a data descriptor, zip64) and hands out the compressed bytes batch by
batch: the first bytes leave at once, and a million rows never sit in memory.

Cells: int and float as numbers, `date` and `datetime` as real dates (yyyy-mm-dd, yyyy-mm-dd hh:mm:ss),
text as inline strings (through `cells.safe_cell`, so never a formula), None as an empty cell.
The header (and a title row above it, if any) is bold and stays in view when scrolling, and is printed
on every page. A sheet with a title is a list to print (the unvisited list): landscape, as wide as the
columns, with grid lines; a data export (a million visits) keeps the defaults. Column widths come from the header
and the first batch of rows: the widths (<cols>) must come before <sheetData> in the XML, so the first
batch is held back until they are known. A batch is small (memory stays flat), and a sample of thousands
of rows fits the columns as well as reading all of them would: a column holds the same kind of value
all the way down. Text longer than any in the sample is cut on screen, never lost.
"""

import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import chain, islice
from xml.sax.saxutils import escape

from fieldapp.reports.cells import column_widths, safe_cell

#: Rows handed to the zip per write; the compressed bytes are sent after each batch.
BATCH_ROWS = 2_000
#: zlib level: 1 is about three times faster than the default 6 for a file about a third larger.
COMPRESS_LEVEL = 1
EXCEL_EPOCH = date(1899, 12, 30)
#: Characters XML 1.0 cannot carry at all (a control character pasted into a name, say).
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml"'
    ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
    # The header rows printed again at the top of every page.
    '<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
    "'{quoted}'!$1:${header_row}</definedName></definedNames></workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml"'
    ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="styles.xml"'
    ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/>'
    "</Relationships>"
)
# Cell styles: 0 plain, 1 bold (the header), 2 a date, 3 a date and time.
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "{sheet_properties}"
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="{header_row}" topLeftCell="A{first_row}" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews>"
    "<cols>{cols}</cols>"
    "<sheetData>"
)
COLUMN = '<col min="{number}" max="{number}" width="{width}" customWidth="1"/>'
SHEET_END = "</sheetData>{page_setup}</worksheet>"
#: A list to print: every column on the page's width (as many pages down as it takes), landscape, grid lines.
PRINTED_PROPERTIES = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
PRINTED_SETUP = (
    '<printOptions gridLines="1"/>'
    '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>'
    '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
)


class _Outbox:
    """Where the zip writes; the generator empties it after each batch (not seekable: zipfile copes)."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _cell(reference: str, value, style: int = 0) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = int(value)
    styled = f' s="{style}"' if style else ""
    if isinstance(value, int | float):
        return f'<c r="{reference}"{styled}><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        serial = (value - datetime(1899, 12, 30)).total_seconds() / 86400
        return f'<c r="{reference}" s="3"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{reference}" s="2"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    text = escape(NOT_XML.sub("", str(safe_cell(str(value)))))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{reference}" t="inlineStr"{styled}><is><t{space}>{text}</t></is></c>'


def stream_xlsx(sheet_name: str, header: Iterable, rows: Iterable[Iterable], title: str = "") -> Iterator[bytes]:
    """Yield the bytes of an .xlsx holding `title` (if any), `header` (bold) and then `rows`, a batch at a time."""
    header = list(header)
    letters = [column_letter(index) for index in range(len(header))]
    rows = iter(rows)
    first_batch = list(islice(rows, BATCH_ROWS))
    cols = "".join(
        COLUMN.format(number=number, width=width)
        for number, width in enumerate(column_widths([header, *first_batch]), start=1)
    )
    header_row = 2 if title else 1
    outbox = _Outbox()
    # Excel refuses these characters in a sheet's name, and names longer than 31.
    name = re.sub(r"[\\/?*\[\]:]", "·", NOT_XML.sub("", sheet_name))[:31]
    quoted = escape(name.replace("'", "''"), {'"': "&quot;"})  # inside '...' in a formula, ' is doubled
    with zipfile.ZipFile(outbox, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml", WORKBOOK.format(name=escape(name, {'"': "&quot;"}), quoted=quoted, header_row=header_row)
        )
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            top = f'<row r="1">{_cell("A1", title, style=1)}</row>' if title else ""
            cells = "".join(_cell(f"{letters[i]}{header_row}", value, style=1) for i, value in enumerate(header))
            properties = PRINTED_PROPERTIES if title else ""
            start = SHEET_START.format(
                header_row=header_row, first_row=header_row + 1, cols=cols, sheet_properties=properties
            )
            sheet.write((start + top + f'<row r="{header_row}">{cells}</row>').encode())
            batch: list[str] = []
            for number, row in enumerate(chain(first_batch, rows), start=header_row + 1):
                cells = "".join(_cell(f"{letters[i]}{number}", value) for i, value in enumerate(row))
                batch.append(f'<row r="{number}">{cells}</row>')
                if len(batch) == BATCH_ROWS:
                    sheet.write("".join(batch).encode())
                    batch.clear()
                    if outbox.parts:  # zlib holds small inputs back until it has a block to send
                        yield outbox.take()
            sheet.write(("".join(batch) + SHEET_END.format(page_setup=PRINTED_SETUP if title else "")).encode())
    yield outbox.take()
