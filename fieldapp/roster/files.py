"""Finding the table of doors in a roster file as grid workers keep it: its header row (under a title and a
"填表人/日期" line, perhaps on two rows), its columns by name, merged cells filled down, every other row skipped
with the reason. `sheets.py` opens the file; `imports.py` plans what the rows would change in the area tree.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice, zip_longest

from flask_babel import lazy_gettext as _l

from fieldapp.roster import sheets
from fieldapp.roster.addresses import split_address, split_building
from fieldapp.roster.sheets import FIELDS, RosterFileError, header_field, header_key

# What other modules have always imported from here (they live in sheets.py now).
COLUMNS, read_table = sheets.COLUMNS, sheets.read_table

#: How far down a sheet its header row is looked for (a title, a "填表人/日期" line, notes above the table).
HEADER_SEARCH_ROWS = 30
#: A totals row: a cell that says so (合计, 总 计, 小计：, Total) or a formula (=SUM(H3:H9)), in a row's cells
#: joined by "\0" so that one search looks at them all.
TOTALS = re.compile(
    r"(?:^|\x00)(?:=|[合总小共累]\s*计|总(?:户|人)?数(?:$|\x00|[:：])|(?:grand\s*)?totals?(?:$|\x00|[:：\s])|sum(?:$|\x00))",
    re.IGNORECASE,
)
#: A line of notes, above or under the table, starts like this.
NOTE_START = re.compile(r"^(注|备注|说明|填表人|填报人|制表人|审核人|填表日期|填报日期|日期|联系人|负责人)[:：]?")
#: Fields a merged cell spans down a block of rows, from the top of the area tree down.
FILLED_DOWN = ("station", "community", "grid", "building")
#: A sheet is a table of doors when its header names one of these (a summary sheet of 社区|户数|人数 is not).
DOOR_FIELDS = {"building", "room", "address", "unit", "householder", "phone"}
#: Every name a header cell may have: a row made of these alone is the header again (printed once per page).
HEADER_WORDS = frozenset(
    [zh for _key, zh, _en in FIELDS] + [en for _key, _zh, en in FIELDS] + list(sheets.HEADER_ALIASES)
)
FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")

TOTALS_ROW = _l("Totals row (合计 or a formula): not a door.")
NOTES_ROW = _l("A line of notes, not a door.")
HEADER_AGAIN = _l("The header row again.")
ABOVE_TABLE = _l("Above the table: a title or notes.")
FULL_WIDTH_NOTE = _l("Full-width characters (全角) normalised.")


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
    notes: list = field(default_factory=list)
    problems: list = field(default_factory=list)


@dataclass
class Sheet:
    """One table found in a file: its header row, columns, and the rows it skips (with the reason)."""

    name: str
    header_line: int
    columns: list[Column]
    rows: Iterator[list[str]]
    #: (where, reason) of each non-blank row read but not a door: totals, notes, a repeated header, a title.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: Rows whose station, community, grid or building came from the row above (merged cells).
    filled_down: int = 0
    #: Empty rows passed over.
    blank: int = 0


@dataclass
class RosterFile:
    """A roster file as read: its tables, the sheets with none, and the required fields no column gives."""

    sheets: list[Sheet]
    #: (sheet name, reason) of sheets without a table of doors (instructions, an empty sheet, a summary).
    ignored_sheets: list[tuple[str, str]]
    #: Required fields (REQUIRED) that no column of some sheet provides, by field.
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
        """Every door row of every sheet, in file order; the rows skipped are listed in their sheet as read."""
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


def read_roster(
    data: bytes, filename: str, mapping: dict[str, str] | None = None, defaults: dict[str, str] | None = None
) -> RosterFile:
    """Open a roster file as people keep it: find each sheet's header row, map its columns (by header name and
    synonyms, then `mapping` {header key: field or ""}), and say which required fields are still missing.

    Rows are read lazily by `RosterFile.rows()` (a 100,000-row file never sits in memory as objects).
    """
    mapping, defaults = mapping or {}, defaults or {}
    tables, ignored = [], []
    for name, rows in sheets.read_sheets(data, filename):
        found = _find_header(rows, mapping)
        if found is None:
            ignored.append((name, _l("No row naming its columns in the first %(n)d rows.", n=HEADER_SEARCH_ROWS)))
            continue
        line, columns, above, rest = found
        if not DOOR_FIELDS & {column.field for column in columns}:
            ignored.append((name, _l("Its header names no building, room or address column: not a list of doors.")))
            continue
        tables.append(Sheet(name, line, columns, rest, skipped=[(str(number), ABOVE_TABLE) for number in above]))
    if not tables:
        raise RosterFileError(
            _l(
                "No table found: put a row naming the columns (e.g. 派出所、社区、楼栋、房号, or 地址) in the first"
                " %(n)d rows of a sheet, above the doors.",
                n=HEADER_SEARCH_ROWS,
            )
        )
    if len(tables) > 1:  # rows are named by sheet once a file has several tables
        for table in tables:
            table.skipped = [(f"{table.name} · {where}", reason) for where, reason in table.skipped]
    missing = []
    for table in tables:
        given = {column.field for column in table.columns if column.field} | set(defaults)
        by_address = sheets.REQUIRED_BY_ADDRESS if "address" in given else ()
        missing += [key for key in sheets.REQUIRED if key not in given | set(by_address) and key not in missing]
    return RosterFile(sheets=tables, ignored_sheets=ignored, missing=missing, defaults=defaults)


def _named(columns: list[Column]) -> int:
    return len({column.field for column in columns if column.field})


def _find_header(rows: Iterator[list[str]], mapping: dict[str, str]):
    """(line, columns, lines above it that are not blank, the rows after it) for the row among the first
    HEADER_SEARCH_ROWS that names the most fields; None when no row names two.

    A two-row header (a merged group "地址" above 楼栋|单元|房号, with 派出所 merged down both rows) is read as
    one: each column's lower cell, or its upper one where the lower is empty, when that names more fields."""
    looked = list(islice(rows, HEADER_SEARCH_ROWS))
    counts = [_named(_columns(row, mapping)) for row in looked]
    best = max(range(len(looked)), key=lambda i: (counts[i], -i), default=None)
    if best is None or counts[best] < 2:
        return None
    top, bottom, columns = best, best, _columns(looked[best], mapping)
    for upper, lower in ((best - 1, best), (best, best + 1)):
        if upper < 0 or lower >= len(looked) or not counts[upper] or not counts[lower]:
            continue
        merged = [low or up for up, low in zip_longest(looked[upper], looked[lower], fillvalue="")]
        candidate = _columns(merged, mapping)
        if _named(candidate) > _named(columns):
            top, bottom, columns = upper, lower, candidate
    above = [number for number, row in enumerate(looked[:top], start=1) if any(cell.strip() for cell in row)]
    return bottom + 1, columns, above, chain(looked[bottom + 1 :], rows)


def _columns(row: list[str], mapping: dict[str, str]) -> list[Column]:
    columns, taken = [], set()
    for index, cell in enumerate(row):
        key = header_key(cell)
        if not key:
            continue
        if key in mapping:
            chosen, source = mapping[key] or None, "remembered"
        else:
            chosen = header_field(cell, FIELDS, sheets.HEADER_ALIASES)
            source = "header" if chosen else "none"
        if chosen in taken:  # a second column of the same field is left out, and shown so: never a guess
            chosen, source = None, "none"
        if chosen:
            taken.add(chosen)
        columns.append(Column(index=index, header=cell.strip(), key=key, field=chosen, source=source))
    return columns


def _door_rows(roster: RosterFile, sheet: Sheet) -> Iterator[Row]:
    """The door rows of a sheet. Per row the work is kept light (100,000 rows): one NFKC pass per cell and a
    few regex searches over the joined row; the lazy sentences are shared, built only for a row with a problem."""
    fields = [(column.index, column.field) for column in sheet.columns if column.field]
    door_indexes = [index for index, key in fields if key in ("room", "address")]
    header_words = HEADER_WORDS | {column.key for column in sheet.columns}
    filled_fields = [key for key in FILLED_DOWN if any(key == name for _i, name in fields) or key in roster.defaults]
    has_address = any(key == "address" for _i, key in fields)
    above: dict[str, str] = {}
    prefix = f"{sheet.name} · " if len(roster.sheets) > 1 else ""
    normalize = unicodedata.normalize
    for line, row in enumerate(sheet.rows, start=sheet.header_line + 1):
        texts = [normalize("NFKC", cell).strip() if cell else "" for cell in row]
        filled = [text for text in texts if text]
        if not filled:
            sheet.blank += 1
            continue
        where = f"{prefix}{line}"
        if TOTALS.search("\x00".join(filled)):
            sheet.skipped.append((where, TOTALS_ROW))
            continue
        width = len(texts)
        if NOTE_START.match(filled[0]) or (len(filled) == 1 and not any(i < width and texts[i] for i in door_indexes)):
            sheet.skipped.append((where, NOTES_ROW))
            continue
        # The first cell tells at once whether to look further: a door's first cell is not a column's name.
        if (
            len(filled) > 1
            and filled[0].lower().replace(" ", "") in header_words
            and all(text.lower().replace(" ", "") in header_words for text in filled)
        ):
            sheet.skipped.append((where, HEADER_AGAIN))
            continue
        values = {key: texts[i] if i < width else "" for i, key in fields}
        for key, value in roster.defaults.items():
            values.setdefault(key, value)
        result = Row(where=where, values=values)
        if FULL_WIDTH.search("".join(row)):
            result.notes.append(FULL_WIDTH_NOTE)
        if _fill_down(values, above, filled_fields, has_address):
            sheet.filled_down += 1
        if has_address and values.get("address"):
            _split(values, result)
        yield result


def _fill_down(values: dict[str, str], above: dict[str, str], keys: list[str], has_address: bool) -> bool:
    """Fill the empty station, community, grid, building of a row from the row above (a merged cell shows its value
    in its first row only). A level that changes starts a new block: the levels under it are not taken from the
    old block (a community without grids must not inherit the previous community's grid). True if any was filled."""
    took, new_block = False, False
    for key in keys:
        value = values.get(key, "")
        if value:
            new_block = new_block or value != above.get(key)
            above[key] = value
        elif new_block or (key == "building" and has_address and values.get("address")):
            above.pop(key, None)  # the address gives this row's building
        elif above.get(key):
            values[key], took = above[key], True
    return took


def _split(values: dict[str, str], result: Row) -> None:
    """Building, unit, floor, room from the address cell, where their own columns leave them empty."""
    address = values["address"]
    if values.get("building") and values.get("room"):
        return
    try:
        building_only = values.get("room") and not values.get("building")  # the room has a column of its own
        parts = split_building(address) if building_only else split_address(address)
    except ValueError:
        result.problems.append(
            _l(
                "The address “%(value)s” cannot be split for sure into building, unit and room (e.g."
                " 幸福里小区3栋2单元502室); write it so, or give 楼栋 and 房号 columns.",
                value=address,
            )
        )
        return
    for key, value in parts.items():
        if value and not values.get(key):
            values[key] = value
