"""Messy roster files as grid workers really send them, built in code (issue 15): titles and "填表人/日期" lines
above the table, station and community as merged cells, a whole address in one column, phones typed as numbers,
counts in words, blank rows, a duplicated room, totals rows with formulas, several sheets, GB18030 CSV, a
two-row header, notes under the table.

Each file names the areas of `tests/factories.make_world` (甲派出所 › 甲派出所社区 › 甲派出所一网格 › 1号楼, whose
unit 1 has rooms 101-401 and 901, and 乙派出所 likewise) and says what its preview must show.
"""

import csv
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Border, Side

A, A_COMMUNITY, A_GRID = "甲派出所", "甲派出所社区", "甲派出所一网格"
B, B_COMMUNITY, B_GRID = "乙派出所", "乙派出所社区", "乙派出所一网格"
THIN = Side(style="thin")


@dataclass
class CorpusFile:
    """A file, and what its preview must say (None: not checked). `refused`: a sentence the refusal contains."""

    filename: str
    data: bytes
    what: str
    refused: str | None = None
    #: Rows that are doors (plan.rows), split into adds, updates, unchanged and errors (lines refused).
    rows: int = 0
    adds: int = 0
    updates: int = 0
    unchanged: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    #: {where: words its reason contains} of the rows skipped; blank rows counted apart.
    skipped: dict[str, str] = field(default_factory=dict)
    blank: int = 0
    filled_down: int = 0
    #: Rows of each table's header (1, or 2 for a two-row header), to count every row of the file.
    header_rows: int = 1
    ignored_sheets: tuple[str, ...] = ()
    #: Required fields no column gives: the preview asks for a column by hand.
    missing: tuple[str, ...] = ()
    mapping: dict[str, str] | None = None


def workbook(*sheets) -> bytes:
    """An XLSX of (name, rows, merged ranges[, hidden columns]) per sheet; None cells stay empty."""
    book = Workbook()
    book.remove(book.active)
    for name, rows, merges, *hidden in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in merges:
            sheet.merge_cells(cells)
        for letter in hidden[0] if hidden else ():
            sheet.column_dimensions[letter].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def grid_worker() -> CorpusFile:
    """The issue's file: title, 填表人 line, merged station/community, address in one column (全角, spaces),
    phones as numbers, blank rows, a duplicated room, counts in words, 住户/商户, a totals row with a formula."""
    rows = [
        ["甲派出所社区住户信息登记表", None, None, None, None, None, None, None],
        ["填表人：王芳", None, None, None, "日期：2024年5月6日", None, None, None],
        ["序号", "派出所", "社区", "地址", "户主", "联系电话", "人数", "类型"],
        [1, A, A_COMMUNITY, "幸福里小区3栋2单元502室", "张建国", 13800138000, 3, "住户"],
        [2, None, None, "幸福里小区３栋２单元５０３室", "李梅", 13900139000.0, "三", "住户"],
        [3, None, None, "幸福里小区 3栋 2单元 601室", "王强", "139 0013 9001", "两人", "住户"],
        [None, None, None, None, None, None, None, None],
        [4, None, None, "幸福里小区3栋1单元101", "赵六", "+86 138-0013-8001", 2, "商户"],
        [5, None, None, "幸福里小区3栋2单元502室", "张建国", 13800138000, 3, "住户"],  # the same door again
        [6, None, None, "幸福里小区5幢1单元3层301", "钱七", None, "十二", "住户"],
        [None, None, None, None, None, None, None, None],
        ["合计", None, None, None, None, None, "=SUM(G4:G10)", None],
    ]
    return CorpusFile(
        "网格员名册.xlsx",
        workbook(("Sheet1", rows, ["A1:H1", "B4:B10", "C4:C10"])),
        "the issue's grid worker file",
        rows=6,
        adds=5,
        errors={"9": "4"},  # line 9 is line 4's door
        skipped={"1": "title", "2": "title", "12": "合计"},
        blank=2,
        filled_down=5,
    )


def two_row_header() -> CorpusFile:
    """An XLS-like layout saved as XLSX: a title merged across, a two-row header (地址 over 楼栋|单元|房号, the
    other headers merged down both rows), borders everywhere, and a hidden empty column."""
    rows = [
        ["东门片区入户名册（2024）", None, None, None, None, None, None, None, None],
        ["派出所", "社区", "网格", "地址", None, None, None, "人数", "备注"],
        [None, None, None, "楼栋", "单元", "楼层", "房号", None, None],
        [A, A_COMMUNITY, A_GRID, "7号楼", "1", 1, "101", 3, None, None],
        [None, None, None, None, "1", 1, "102", 2, "老人独居", None],
        [None, None, None, None, "2", 2, "201", 4, None, None],
        [None, None, None, "8号楼", "1", 1, "101", "5人", None, None],
    ]
    data = workbook(
        ("入户名册", rows, ["A1:I1", "A2:A3", "B2:B3", "C2:C3", "D2:G2", "H2:H3", "I2:I3", "A4:A7", "B4:B7"], ["J"])
    )
    return CorpusFile(
        "东门片区.xlsx",
        _with_borders(data),
        "two-row header, XLS-like layout",
        rows=4,
        adds=4,
        skipped={"1": "title"},
        filled_down=3,
        header_rows=2,
    )


def _with_borders(data: bytes) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if type(cell).__name__ != "MergedCell":
                    cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def several_sheets() -> CorpusFile:
    """One sheet per community, an instructions sheet (说明) first and a summary sheet (统计) last."""
    instructions = [["填写说明"], ["1. 每户一行。"], ["2. 楼栋写全称，如 3号楼。"], ["3. 电话写手机号。"]]
    header = ["派出所", "社区", "网格", "楼栋", "单元", "房号", "人数"]
    first = [header, [A, A_COMMUNITY, A_GRID, "9号楼", 1, 101, 2], [A, A_COMMUNITY, A_GRID, "9号楼", 1, 102, 3]]
    second = [
        ["乙派出所社区名单"],
        header,
        [B, B_COMMUNITY, B_GRID, "2号楼", 1, 101, 1],
        [B, B_COMMUNITY, B_GRID, "2号楼", 1, 102, "四"],
        [B, B_COMMUNITY, B_GRID, "2号楼", 1, 103, -1],
    ]
    summary = [["社区", "户数", "人数"], [A_COMMUNITY, 2, 5], [B_COMMUNITY, 3, 6]]
    return CorpusFile(
        "分社区.xlsx",
        workbook(("说明", instructions, []), ("甲社区", first, []), ("乙社区", second, []), ("统计", summary, [])),
        "several sheets",
        rows=5,
        adds=4,
        errors={"乙社区 · 5": "-1"},
        skipped={"乙社区 · 1": "title"},
        ignored_sheets=("说明", "统计"),
    )


def gb18030_synonyms() -> CorpusFile:
    """A CSV saved by Excel in China (GB18030) with the headers a station's own form uses."""
    rows = [
        ["所属派出所", "所属社区", "楼号", "门牌号", "居住人数", "手机", "姓名", "性质", "居住状态"],
        [A, A_COMMUNITY, "11号楼", "101", "3", "13800138000", "刘洋", "住户", "在住"],
        [A, A_COMMUNITY, "11号楼", "102", "0", "", "", "住户", "空置"],
        [A, A_COMMUNITY, "11号楼", "103", "2", "0571-88886666", "陈静", "个体户", "新入住"],
        [A, A_COMMUNITY, "11号楼", "104", "1", "", "", "居民", "已搬走"],
        [A, A_COMMUNITY, "11号楼", "105", "1", "", "", "住户", "不知道"],
    ]
    return CorpusFile(
        "名册.csv",
        csv_file(rows, "gb18030"),
        "GB18030 CSV with synonyms",
        rows=5,
        adds=4,
        errors={"6": "不知道"},
    )


def english_headers() -> CorpusFile:
    rows = [
        ["Station", "Community", "Building No.", "Unit", "Room No.", "Name", "Mobile", "People", "Type", "Status"],
        [A, A_COMMUNITY, "12号楼", "1", "101", "Li Lei", "13800138000", "2", "household", "occupied"],
        [A, A_COMMUNITY, "12号楼", "1", "102", "", "", "3", "shop", "vacant"],
    ]
    return CorpusFile("roster.csv", csv_file(rows), "English headers", rows=2, adds=2)


def notes_under() -> CorpusFile:
    """A sheet with notes above and under the table, and the table's blank rows."""
    rows = [
        ["备注：本表由社区网格员填写，每月更新"],
        ["派出所", "社区", "楼栋", "房号", "户主", "人数"],
        [A, A_COMMUNITY, "13号楼", "101", "周一", 2],
        [A, A_COMMUNITY, "13号楼", "102", "吴二", 3],
        [],
        [],
        ["注：空房未列入。"],
        ["填表人：王芳", None, "审核人：李强", None, "日期：2024-05-06"],
        ["如有疑问请联系社区。"],
    ]
    return CorpusFile(
        "notes.xlsx",
        workbook(("Sheet1", rows, [])),
        "notes under the table",
        rows=2,
        adds=2,
        skipped={"1": "title", "7": "notes", "8": "notes", "9": "notes"},
        blank=2,
    )


def repeated_header() -> CorpusFile:
    """Printed page by page: the header again mid-sheet, and a 小计 (subtotal) at the end of each page."""
    header = ["派出所", "社区", "楼栋", "单元", "房号", "人数"]
    rows = [
        header,
        [A, A_COMMUNITY, "14号楼", 1, 101, 2],
        [A, A_COMMUNITY, "14号楼", 1, 102, 2],
        ["小计", None, None, None, None, "=SUM(F2:F3)"],
        header,
        [A, A_COMMUNITY, "14号楼", 2, 201, 1],
        ["小 计", None, None, None, None, 1],
        ["总计", None, None, None, None, "=F4+F7"],
    ]
    return CorpusFile(
        "pages.xlsx",
        workbook(("Sheet1", rows, [])),
        "repeated header and subtotals",
        rows=3,
        adds=3,
        skipped={"4": "合计", "5": "header", "7": "合计", "8": "合计"},
    )


def addresses() -> CorpusFile:
    """A whole address per row, in the spellings met in real rosters; the ambiguous ones refused by row."""
    rows = [
        ["派出所", "社区", "网格", "详细地址", "人数"],
        [A, A_COMMUNITY, A_GRID, "3-2-502", "3"],
        [A, A_COMMUNITY, A_GRID, "万科2期3栋1单元101", "2"],
        [A, A_COMMUNITY, A_GRID, "十二栋三单元201室", "2"],
        [A, A_COMMUNITY, A_GRID, "A座1102", "1"],
        [A, A_COMMUNITY, A_GRID, "3-502", "1"],  # building 3 room 502, or unit 3? refused
        [A, A_COMMUNITY, A_GRID, "3栋502、503", "1"],  # two doors in one cell: refused
        [A, A_COMMUNITY, A_GRID, "1号楼1单元101室", "3"],  # already stored, unchanged
    ]
    return CorpusFile(
        "地址.csv",
        csv_file(rows),
        "address column",
        rows=7,
        adds=4,
        unchanged=1,
        errors={"6": "3-502", "7": "503"},
    )


def counts_and_phones() -> CorpusFile:
    """Counts in words and impossible ones, phones as numbers, in scientific notation, and masked (as exported)."""
    rows = [
        ["派出所", "社区", "楼栋", "单元", "房号", "户主", "电话", "人数", "类型"],
        [A, A_COMMUNITY, "15号楼", "1", "101", "张某", "138****8000", "三", "住户"],
        [A, A_COMMUNITY, "15号楼", "1", "102", "李四", 13800138000.0, "十二", "门店"],
        [A, A_COMMUNITY, "15号楼", "1", "103", "王五", "1.38E+10", "2", "住户"],
        [A, A_COMMUNITY, "15号楼", "1", "104", "赵六", "13800138000", "三四", "住户"],
        [A, A_COMMUNITY, "15号楼", "1", "105", "钱七", "13800138000", "-1", "住户"],
        [A, A_COMMUNITY, "15号楼", "1", "106", "孙八", "13800138000", "2", "仓库"],
    ]
    return CorpusFile(
        "counts.xlsx",
        workbook(("Sheet1", rows, [])),
        "counts in words, phones",
        rows=6,
        adds=1,
        # A masked phone on a door not stored yet cannot be kept: refused, asking for the full number.
        errors={"2": "隐去部分", "4": "文本", "5": "三四", "6": "-1", "7": "仓库"},
    )


def updates_existing() -> CorpusFile:
    """The world's own doors again (1号楼, unit 1): one changed, the rest as stored."""
    rows = [["派出所", "社区", "网格", "楼栋", "单元", "楼层", "房号", "人数"]]
    rows += [[A, A_COMMUNITY, A_GRID, "1号楼", "1", str(n), f"{n}01", "5" if n == 2 else "3"] for n in range(1, 5)]
    return CorpusFile("again.csv", csv_file(rows), "re-import", rows=4, updates=1, unchanged=3)


def blocks_without_grid() -> CorpusFile:
    """Merged blocks: 甲's community has a grid, 乙's community has none; 乙's rows must not take 甲's grid."""
    rows = [
        ["派出所", "社区", "网格", "楼栋", "房号"],
        [A, A_COMMUNITY, A_GRID, "16号楼", "101"],
        [None, None, None, None, "102"],
        [B, B_COMMUNITY, None, "16号楼", "101"],
        [None, None, None, None, "102"],
    ]
    return CorpusFile(
        "blocks.xlsx",
        workbook(("Sheet1", rows, ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "A4:A5", "B4:B5", "D4:D5"])),
        "merged blocks, a community without grids",
        rows=4,
        adds=4,
        filled_down=2,
    )


def unmatched_column() -> CorpusFile:
    """A room column under a name no synonym covers: left out and shown so, never guessed; mapped by hand."""
    rows = [["派出所", "社区", "楼栋", "户室", "人数"], [A, A_COMMUNITY, "17号楼", "101", "2"]]
    return CorpusFile("户室.csv", csv_file(rows), "an unmatched column", missing=("room",))


def unmatched_column_mapped() -> CorpusFile:
    found = unmatched_column()
    found.what, found.missing, found.mapping = "mapped by hand", (), {"户室": "room"}
    found.rows = found.adds = 1
    return found


def no_table() -> CorpusFile:
    rows = [["甲派出所社区住户信息登记表"], ["填表人：王芳"], ["（表格待补）"]]
    return CorpusFile("empty.xlsx", workbook(("Sheet1", rows, [])), "no table", refused="列名")


def instructions_and_summary_only() -> CorpusFile:
    instructions = [["填写说明"], ["楼栋", "写全称"], ["房号", "写门牌"]]
    summary = [["社区", "户数", "人数"], [A_COMMUNITY, 10, 25]]
    data = workbook(("说明", instructions, []), ("统计", summary, []))
    return CorpusFile("summary.xlsx", data, "instructions and a summary only", refused="列名")


def corpus() -> list[CorpusFile]:
    return [
        grid_worker(),
        two_row_header(),
        several_sheets(),
        gb18030_synonyms(),
        english_headers(),
        notes_under(),
        repeated_header(),
        addresses(),
        counts_and_phones(),
        updates_existing(),
        blocks_without_grid(),
        unmatched_column(),
        unmatched_column_mapped(),
        no_table(),
        instructions_and_summary_only(),
    ]
