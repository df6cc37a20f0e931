"""Reading a roster file, CSV or XLSX, as grid workers save it: its rows by field, and the template.

Nothing here knows the area tree: `imports.py` plans what the rows would change.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from fieldapp.limits import XLSX_RATIO_MAX, XLSX_UNPACKED_MAX
from fieldapp.refusals import Refused
from fieldapp.reports.cells import csv_bytes, workbook_bytes

#: (field, Chinese header of the template, English header). The template and the roster export have these, in order.
COLUMNS = (
    ("station", "派出所", "station"),
    ("community", "社区", "community"),
    ("grid", "网格", "grid"),
    ("building", "楼栋", "building"),
    ("unit", "单元", "unit"),
    ("floor", "楼层", "floor"),
    ("room", "房号", "room"),
    ("householder", "户主", "householder"),
    ("phone", "联系电话", "phone"),
    ("residents", "人数", "residents"),
    ("kind", "类型", "kind"),
    ("status", "状态", "status"),
    ("lat", "纬度", "lat"),
    ("lon", "经度", "lon"),
)
#: Fields a file may have that the template splits: the whole address in one cell.
EXTRA_FIELDS = (("address", "地址", "address"),)
#: Every field a column can be mapped to, by hand or by its header.
FIELDS = COLUMNS + EXTRA_FIELDS
#: Other headers seen in the spreadsheets teams already keep (normalised: NFKC, no spaces, lower case).
HEADER_ALIASES = {
    "派出所/镇": "station", "镇": "station", "街道": "station", "所属派出所": "station", "辖区派出所": "station",
    "社区/村": "community", "村": "community", "社区(村)": "community", "所属社区": "community",
    "网格名称": "grid", "所属网格": "grid", "网格名": "grid",
    "楼栋/组": "building", "楼号": "building", "组": "building", "楼栋号": "building", "小区楼栋": "building",
    "栋": "building", "幢": "building",
    "单元号": "unit", "层": "floor", "楼层数": "floor", "所在楼层": "floor",
    "室": "room", "门牌号": "room", "房间号": "room", "户号": "room", "室号": "room",
    "居住人数": "residents", "人口数": "residents", "常住人口": "residents", "人口": "residents",
    "家庭人数": "residents", "常住人数": "residents",
    "联系电话": "phone", "电话": "phone", "手机": "phone", "手机号": "phone", "手机号码": "phone",
    "联系方式": "phone", "电话号码": "phone",
    "户主": "householder", "姓名": "householder", "户主姓名": "householder", "住户姓名": "householder",
    "类型": "kind", "性质": "kind", "场所类型": "kind", "户别": "kind",
    "状态": "status", "居住状态": "status", "入住情况": "status",
    "地址": "address", "住址": "address", "详细地址": "address", "家庭住址": "address", "门牌地址": "address",
    "latitude": "lat", "longitude": "lon",
}  # fmt: skip
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


def read_sheets(data: bytes, filename: str) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """(sheet name, its rows as text) for each sheet of an XLSX, or ("", rows) for a CSV (UTF-8, or GB18030 as
    Excel saves it in China). Formula cells read as their formula ("=SUM(H3:H9)"), so totals rows show as such.

    A file that cannot be read, at opening or halfway through its rows, raises RosterFileError: the
    page, the background job and the command each show it as a refusal, never as a crash.
    """
    if filename.lower().endswith(".xlsx"):
        check_xlsx_size(data)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception:
            raise RosterFileError(UNREADABLE_XLSX) from None
        try:
            if not book.worksheets:
                raise RosterFileError(UNREADABLE_XLSX)
            for sheet in book.worksheets:
                yield sheet.title, _sheet_rows(sheet)
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
    yield "", _csv_rows(text)


def _sheet_rows(sheet) -> Iterator[list[str]]:
    rows = iter(())
    try:
        rows = sheet.iter_rows(values_only=True)
    except Exception:
        raise RosterFileError(UNREADABLE_XLSX) from None
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:  # a truncated member, broken XML, an entity defusedxml refuses...
            raise RosterFileError(UNREADABLE_XLSX) from None
        yield [cell_text(value) for value in row]


def _csv_rows(text: str) -> Iterator[list[str]]:
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error:
        raise RosterFileError(_l("This CSV file cannot be read as a table; save it again from Excel.")) from None


def read_table(data: bytes, filename: str) -> Iterator[list[str]]:
    """The rows of a CSV or of an XLSX's first sheet (the accounts file)."""
    for _name, rows in read_sheets(data, filename):
        yield from rows
        return


#: How far down a sheet its header row is looked for (a title, a "填表人/日期" line, notes above the table).
HEADER_SEARCH_ROWS = 30
#: A totals row says so in one of its cells (合计, 总计...), or holds a formula.
TOTALS = re.compile(r"^(合计|总计|小计|共计|总数|累计|total|totals|sum)[:：]?$", re.IGNORECASE)
#: A line of notes, above or under the table, starts like this.
NOTE_START = re.compile(r"^(注|备注|说明|填表人|填报人|制表人|审核人|填表日期|日期|联系人)[:：]?")
#: Fields a merged cell spans down a block of rows: an empty cell takes the value of the row above.
FILLED_DOWN = ("station", "community", "grid", "building")


@dataclass
class Column:
    """One column of a sheet and how it is read."""

    index: int
    #: The header cell as written.
    header: str
    #: The header as normalised (NFKC, no spaces, lower case): how a remembered mapping finds it.
    key: str
    #: The field its cells are read as, or None: left out.
    field: str | None
    #: Why: "header" (its name or a common other name), "remembered" (as mapped last time for this area),
    #: "chosen" (mapped by hand on this preview), or "none" (not matched: left out unless mapped).
    source: str


@dataclass
class Row:
    """A row that holds a door: where it is, its values by field, what was changed on the way in, what is wrong."""

    where: str
    values: dict[str, str]
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Sheet:
    """One table found in a file: its header row, columns, and the rows it skips (with the reason)."""

    name: str
    header_line: int
    columns: list[Column]
    rows: Iterator[list[str]]
    #: (where, reason) of each row read but not a door: blank, totals, notes, a repeated header.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: Rows whose station, community, grid or building came from the row above (merged cells).
    filled_down: int = 0
    #: Empty rows passed over.
    blank: int = 0


@dataclass
class RosterFile:
    """A roster file as read: its tables, the sheets with none, and the required fields no column gives."""

    sheets: list[Sheet]
    #: (sheet name, reason) of sheets without a table of doors (instructions, an empty sheet).
    ignored_sheets: list[tuple[str, str]]
    #: Required fields (REQUIRED_ANY) that no column of some sheet provides, by field.
    missing: list[str]
    #: Values given for every row, not by a column (the user's own community): {field: value}.
    defaults: dict[str, str]

    @property
    def columns(self) -> list[Column]:
        """Each distinct header once (by key), in the order first met: what the mapping form lists."""
        seen, out = set(), []
        for sheet in self.sheets:
            for column in sheet.columns:
                if column.key and column.key not in seen:
                    seen.add(column.key)
                    out.append(column)
        return out

    def rows(self) -> Iterator[Row]:
        """Every door row of every sheet, in file order; skipped rows are counted in their sheet."""
        for sheet in self.sheets:
            yield from _door_rows(self, sheet)

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return [item for sheet in self.sheets for item in sheet.skipped]

    @property
    def filled_down(self) -> int:
        return sum(sheet.filled_down for sheet in self.sheets)

    @property
    def blank(self) -> int:
        return sum(sheet.blank for sheet in self.sheets)


#: A door needs these fields; the address column gives building and room (REQUIRED_BY_ADDRESS) by itself.
REQUIRED = ("station", "community", "building", "room")
REQUIRED_BY_ADDRESS = ("building", "room")


def header_key(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell or "").strip().lower().replace(" ", "")


def read_roster(
    data: bytes, filename: str, mapping: dict[str, str] | None = None, defaults: dict[str, str] | None = None
) -> RosterFile:
    """Open a roster file as people keep it: find each sheet's header row, map its columns (by header name and
    synonyms, then `mapping` {header key: field or ""}), and say which required fields are still missing.

    Rows are read lazily by `RosterFile.rows()` (a 100,000-row file never sits in memory as objects).
    """
    mapping, defaults = mapping or {}, defaults or {}
    sheets, ignored = [], []
    for name, rows in read_sheets(data, filename):
        found = _find_header(rows, mapping)
        if found is None:
            ignored.append(
                (name, str(_l("No header row naming its columns in the first %(n)d rows.", n=HEADER_SEARCH_ROWS)))
            )
            continue
        line, columns, rest = found
        sheets.append(Sheet(name=name, header_line=line, columns=columns, rows=rest))
    if not sheets:
        raise RosterFileError(
            _l(
                "No table found: the file needs a row naming its columns (e.g. 派出所、社区、楼栋、房号, or 地址) in"
                " its first %(n)d rows.",
                n=HEADER_SEARCH_ROWS,
            )
        )
    missing = []
    for sheet in sheets:
        given = {column.field for column in sheet.columns if column.field} | set(defaults)
        by_address = REQUIRED_BY_ADDRESS if "address" in given else ()
        missing += [key for key in REQUIRED if key not in given and key not in by_address and key not in missing]
    return RosterFile(sheets=sheets, ignored_sheets=ignored, missing=missing, defaults=defaults)


def _find_header(rows: Iterator[list[str]], mapping: dict[str, str]):
    """(line, columns, the rows after it) for the row among the first HEADER_SEARCH_ROWS that names the most
    fields; None when no row names two. The rows looked at above it are part of the title, not the table."""
    looked = []
    for line, row in enumerate(rows, start=1):
        looked.append((line, row))
        if line >= HEADER_SEARCH_ROWS:
            break
    best = None
    for line, row in looked:
        columns = _columns(row, mapping)
        named = len({column.field for column in columns if column.field})
        if named >= 2 and (best is None or named > best[0]):
            best = (named, line, columns)
    if best is None:
        return None
    _named, line, columns = best
    after = [row for number, row in looked if number > line]
    return line, columns, _chain(after, rows)


def _chain(first: list[list[str]], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield from first
    yield from rest


def _columns(row: list[str], mapping: dict[str, str]) -> list[Column]:
    columns, taken = [], set()
    for index, cell in enumerate(row):
        key = header_key(cell)
        if not key:
            continue
        if key in mapping:
            chosen, source = mapping[key] or None, "remembered"
        else:
            chosen = header_field(cell, FIELDS, HEADER_ALIASES)
            source = "header" if chosen else "none"
        if chosen in taken:  # a second column of the same field is left out, and shown so
            chosen, source = None, "none"
        if chosen:
            taken.add(chosen)
        columns.append(Column(index=index, header=cell.strip(), key=key, field=chosen, source=source))
    return columns


def _door_rows(roster: RosterFile, sheet: Sheet) -> Iterator[Row]:
    from fieldapp.roster.values import split_address

    fields = [(column.index, column.field) for column in sheet.columns if column.field]
    header_keys = {column.index: column.key for column in sheet.columns}
    above: dict[str, str] = {}
    prefix = f"{sheet.name} · " if len(roster.sheets) > 1 else ""
    for line, row in enumerate(sheet.rows, start=sheet.header_line + 1):
        where = f"{prefix}{line}"
        texts = [unicodedata.normalize("NFKC", cell or "").strip() for cell in row]
        filled = [text for text in texts if text]
        if not filled:
            sheet.blank += 1
            continue
        if any(TOTALS.match(text.replace(" ", "")) for text in filled) or any(t.startswith("=") for t in filled):
            sheet.skipped.append((where, str(_l("Totals row (合计 or a formula): not a door."))))
            continue
        has_door = any(i < len(texts) and texts[i] for i, key in fields if key in ("room", "address"))
        lone = len(filled) == 1 and not has_door
        if lone or NOTE_START.match(filled[0]):
            sheet.skipped.append((where, str(_l("A line of notes, not a door."))))
            continue
        if all(header_keys.get(i) == header_key(cell) for i, cell in enumerate(row) if cell and i in header_keys):
            sheet.skipped.append((where, str(_l("The header row again."))))
            continue
        values = {key: texts[i] if i < len(texts) else "" for i, key in fields}
        for key, value in roster.defaults.items():
            values.setdefault(key, value)
        result = Row(where=where, values=values)
        if any(FULL_WIDTH.search(cell or "") for cell in row):
            result.notes.append(str(_l("Full-width characters (全角) normalised.")))
        took = False
        for key in FILLED_DOWN:
            if (
                key in values
                and not values[key]
                and above.get(key)
                and not (key == "building" and values.get("address"))
            ):
                values[key], took = above[key], True
        if took:
            sheet.filled_down += 1
        above.update({key: values[key] for key in FILLED_DOWN if values.get(key)})
        if values.get("address") and not (values.get("building") and values.get("room")):
            try:
                parts = split_address(values["address"])
            except ValueError:
                result.problems.append(
                    str(
                        _l(
                            "The address “%(value)s” cannot be split into building and room; give 楼栋 and 房号"
                            " columns.",
                            value=values["address"],
                        )
                    )
                )
            else:
                for key, value in parts.items():
                    if value and not values.get(key):
                        values[key] = value
        yield result


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
