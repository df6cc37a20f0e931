"""Opening a roster file, CSV or XLSX, as rows of text; the roster's columns, their other names, and the template.

Finding the table in those rows (header row, merged cells, totals) is `files.py`'s job.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator

from flask_babel import lazy_gettext as _l

from fieldapp.limits import XLSX_RATIO_MAX, XLSX_UNPACKED_MAX
from fieldapp.refusals import Refused
from fieldapp.roster.xlsx import read_xlsx

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
    ("key_groups", "重点人群", "key groups"),
    ("lat", "纬度", "lat"),
    ("lon", "经度", "lon"),
)
#: Fields a file may have that the template splits: the whole address in one cell.
EXTRA_FIELDS = (("address", "地址", "address"),)
#: Every field a column can be mapped to, by hand or by its header.
FIELDS = COLUMNS + EXTRA_FIELDS
#: A door needs these fields; an address column gives building and room (REQUIRED_BY_ADDRESS) by itself.
REQUIRED = ("station", "community", "building", "room")
REQUIRED_BY_ADDRESS = ("building", "room")
#: Other headers seen in the spreadsheets teams already keep, as `header_key` writes them (NFKC, no spaces,
#: lower case). A header is also tried without a trailing note in brackets ("人数(人)") or a "*" of a required column.
HEADER_ALIASES = {
    "派出所/镇": "station", "镇": "station", "街道": "station", "所属派出所": "station", "辖区派出所": "station",
    "派出所名称": "station", "乡镇": "station", "乡镇街道": "station", "街道/乡镇": "station", "所属街道": "station",
    "社区/村": "community", "村": "community", "社区(村)": "community", "所属社区": "community",
    "社区名称": "community", "村居": "community", "社区/村居": "community", "村(社区)": "community",
    "居委会": "community",
    "网格名称": "grid", "所属网格": "grid", "网格名": "grid", "网格号": "grid", "网格编号": "grid",
    "楼栋/组": "building", "楼号": "building", "组": "building", "楼栋号": "building", "小区楼栋": "building",
    "栋": "building", "幢": "building", "楼幢": "building", "幢号": "building", "栋号": "building",
    "楼栋名称": "building", "楼宇": "building", "村民小组": "building", "小组": "building", "楼": "building",
    "单元号": "unit",
    "层": "floor", "楼层数": "floor", "所在楼层": "floor", "层数": "floor", "层号": "floor",
    "室": "room", "门牌号": "room", "房间号": "room", "户号": "room", "室号": "room", "房号/门牌号": "room",
    "房间": "room", "房屋号": "room", "门牌": "room", "户室号": "room", "房室号": "room",
    "居住人数": "residents", "人口数": "residents", "常住人口": "residents", "人口": "residents",
    "家庭人数": "residents", "常住人数": "residents", "在住人数": "residents",
    "实住人数": "residents", "户籍人数": "residents", "家庭人口": "residents", "居住人口": "residents",
    "电话": "phone", "手机": "phone", "手机号": "phone", "手机号码": "phone", "联系方式": "phone",
    "电话号码": "phone", "户主电话": "phone", "户主手机": "phone", "联系人电话": "phone",
    "姓名": "householder", "户主姓名": "householder", "住户姓名": "householder", "房主": "householder",
    "房主姓名": "householder", "业主": "householder", "业主姓名": "householder", "联系人": "householder",
    "居民姓名": "householder", "户主/联系人": "householder",
    "性质": "kind", "场所类型": "kind", "户别": "kind", "住户类型": "kind", "房屋类型": "kind", "类别": "kind",
    "房屋性质": "kind", "户类型": "kind", "住户类别": "kind",
    "居住状态": "status", "入住情况": "status", "居住情况": "status", "入住状态": "status", "房屋状态": "status",
    "住址": "address", "详细地址": "address", "家庭住址": "address", "门牌地址": "address", "现住址": "address",
    "居住地址": "address", "房屋地址": "address", "住户地址": "address",
    "重点人员": "key_groups", "人群类别": "key_groups", "人员类别": "key_groups", "标签": "key_groups",
    "重点人群类别": "key_groups", "重点人群类型": "key_groups", "人员标签": "key_groups", "重点对象": "key_groups",
    "特殊人群": "key_groups", "人群分类": "key_groups", "人员分类": "key_groups", "重点人口": "key_groups",
    "keygroup": "key_groups", "keygroups": "key_groups",
    "latitude": "lat", "longitude": "lon", "lng": "lon",
    "policestation": "station", "village": "community", "buildingno": "building", "bldg": "building",
    "unitno": "unit", "roomno": "room", "door": "room", "flat": "room", "apartment": "room",
    "name": "householder", "tel": "phone", "telephone": "phone", "mobile": "phone", "phoneno": "phone",
    "phonenumber": "phone",
    "people": "residents", "persons": "residents", "occupants": "residents", "population": "residents",
    "type": "kind", "category": "kind", "occupancy": "status",
}  # fmt: skip
#: A header's note that does not change its field: "人数（人）", "*房号", "楼栋:".
HEADER_DECORATION = re.compile(r"[(（][^()（）]*[)）]$|^[*＊]+|[*＊:：.]+$")
UNREADABLE_XLSX = _l("This is not an Excel (.xlsx) file that can be read.")


class RosterFileError(Refused):
    """The file as a whole cannot be read (not a table, no header row, wrong format)."""

    def __init__(self, message):
        super().__init__(message, field="file")


def header_key(cell: str) -> str:
    """A header as compared: NFKC (全角 as ordinary characters), no spaces, lower case."""
    return unicodedata.normalize("NFKC", cell or "").strip().lower().replace(" ", "")


def header_field(cell: str, columns=COLUMNS, aliases=HEADER_ALIASES) -> str | None:
    """The field a header cell names (its Chinese or English name, or a common other name), else None.

    `columns` is ((field, Chinese, English), ...); the roster's by default, the accounts file passes its own."""
    name = header_key(cell)
    for candidate in (name, HEADER_DECORATION.sub("", name)):
        for key, zh, en in columns:
            if candidate in (zh, en):
                return key
        if candidate in aliases:
            return aliases[candidate]
    return None


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
            tables = list(read_xlsx(io.BytesIO(data)))
        except Exception:  # not a zip of a workbook, a part missing or broken, a DOCTYPE...
            raise RosterFileError(UNREADABLE_XLSX) from None
        for title, rows in tables:
            yield title, _sheet_rows(rows)
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


def _sheet_rows(rows: Iterator[list[str]]) -> Iterator[list[str]]:
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:  # a truncated member, broken XML, a DOCTYPE halfway...
            raise RosterFileError(UNREADABLE_XLSX) from None
        yield row


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
