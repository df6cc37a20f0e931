"""Reading a roster file, CSV or XLSX, as grid workers save it: its rows by field, and the template.

Nothing here knows the area tree: `imports.py` plans what the rows would change.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from fieldapp.limits import XLSX_RATIO_MAX, XLSX_UNPACKED_MAX
from fieldapp.refusals import Refused
from fieldapp.reports.cells import csv_bytes, workbook_bytes

#: (field, Chinese header of the template, English header). The template has the Chinese ones.
COLUMNS = (
    ("station", "派出所", "station"),
    ("community", "社区", "community"),
    ("grid", "网格", "grid"),
    ("building", "楼栋", "building"),
    ("unit", "单元", "unit"),
    ("floor", "楼层", "floor"),
    ("room", "房号", "room"),
    ("residents", "人数", "residents"),
    ("kind", "类型", "kind"),
    ("lat", "纬度", "lat"),
    ("lon", "经度", "lon"),
)
#: Other headers seen in the spreadsheets teams already keep.
HEADER_ALIASES = {
    "派出所/镇": "station", "镇": "station", "街道": "station",
    "社区/村": "community", "村": "community", "社区(村)": "community",
    "楼栋/组": "building", "楼号": "building", "组": "building", "楼栋号": "building",
    "单元号": "unit", "层": "floor", "楼层数": "floor",
    "室": "room", "门牌号": "room", "房间号": "room", "户号": "room",
    "居住人数": "residents", "人口数": "residents", "常住人口": "residents",
    "场所类型": "kind", "latitude": "lat", "longitude": "lon",
}  # fmt: skip
REQUIRED = ("station", "community", "building", "room")
FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
UNREADABLE_XLSX = _l("This is not an Excel (.xlsx) file that can be read.")


class RosterFileError(Refused):
    """The file as a whole cannot be read (not a table, no header row, wrong format)."""

    def __init__(self, message):
        super().__init__(message, field="file")


def header_field(cell: str, columns=COLUMNS, aliases=HEADER_ALIASES) -> str | None:
    """The field a header cell names (its Chinese or English name, or a common other name), else None.

    `columns` is ((field, Chinese, English), ...); the roster's by default, the accounts file passes its own."""
    name = unicodedata.normalize("NFKC", cell or "").strip().lower().replace(" ", "")
    for key, zh, en in columns:
        if name in (zh, en):
            return key
    return aliases.get(name)


def cell_text(value) -> str:
    """A cell as text: Excel numbers without a spurious ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_xlsx_size(data: bytes) -> None:
    """Refuse, before opening it, an XLSX that would unpack to more than XLSX_UNPACKED_MAX or XLSX_RATIO_MAX
    times its size (a zip bomb: 220 KB that unpacks to 86 MB took a worker to 470 MB and its timeout).

    The sizes are those the zip declares; zipfile never inflates a member beyond its declared size, so
    a file that lies about them stops short and is refused as unreadable.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise RosterFileError(UNREADABLE_XLSX) from None
    if unpacked > XLSX_UNPACKED_MAX or unpacked > XLSX_RATIO_MAX * max(len(data), 1):
        raise RosterFileError(
            _l(
                "This Excel file unpacks to %(size)d MB, more than a roster can hold (at most %(max)d MB, and"
                " %(ratio)d times its size). Save it again from Excel, or as CSV.",
                size=unpacked // 2**20,
                max=XLSX_UNPACKED_MAX // 2**20,
                ratio=XLSX_RATIO_MAX,
            )
        )


def read_table(data: bytes, filename: str) -> Iterator[list[str]]:
    """The rows of a CSV (UTF-8, or GB18030 as Excel saves it in China) or of an XLSX's first sheet.

    A file that cannot be read, at opening or halfway through its rows, raises RosterFileError: the
    page, the background job and the command each show it as a refusal, never as a crash.
    """
    if filename.lower().endswith(".xlsx"):
        check_xlsx_size(data)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise RosterFileError(UNREADABLE_XLSX) from None
        try:
            rows = iter(())
            try:
                rows = book.worksheets[0].iter_rows(values_only=True)
            except Exception:  # a workbook without a sheet
                raise RosterFileError(UNREADABLE_XLSX) from None
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    break
                except Exception:  # a truncated member, broken XML, an entity defusedxml refuses...
                    raise RosterFileError(UNREADABLE_XLSX) from None
                yield [cell_text(value) for value in row]
        finally:
            book.close()
        return
    if not filename.lower().endswith(".csv"):
        raise RosterFileError(_l("Upload a .csv or .xlsx file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError(_l("The file's characters cannot be read; save it as UTF-8 CSV."))
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error:
        raise RosterFileError(_l("This CSV file cannot be read as a table; save it again from Excel.")) from None


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, dict[str, str], bool]]:
    """(line number, {field: normalised text}, whether full-width characters were normalised)."""
    rows = read_table(data, filename)
    header = next(rows, None)
    fields = [header_field(cell) for cell in header or []]
    missing = [key for key in REQUIRED if key not in fields]
    if missing:
        names = "、".join(zh for key, zh, _en in COLUMNS if key in missing)
        raise RosterFileError(_l("Columns missing from the header row: %(names)s.", names=names))
    for line, row in enumerate(rows, start=2):
        if not any((cell or "").strip() for cell in row):
            continue
        values, widened = {}, False
        for key, cell in zip(fields, row, strict=False):
            if key is None:
                continue
            widened = widened or bool(FULL_WIDTH.search(cell or ""))
            values[key] = unicodedata.normalize("NFKC", cell or "").strip()
        yield line, values, widened


def template_rows() -> list[list[str]]:
    """The header row (Chinese) and two example rows."""
    return [
        [zh for _key, zh, _en in COLUMNS],
        ["城关派出所", "东门社区", "东门一网格", "3号楼", "1", "5", "502", "3", "住户", "30.2741", "120.1551"],
        ["城关派出所", "东门社区", "东门一网格", "临街商铺", "", "1", "12号", "2", "商户", "", ""],
    ]


def template_csv() -> bytes:
    return csv_bytes(template_rows())


def template_xlsx() -> bytes:
    return workbook_bytes([("住户名册", template_rows(), set())])
