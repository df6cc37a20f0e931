"""Splitting a whole address typed in one cell ("幸福里小区3栋2单元502室") into building, unit, floor and room.

What cannot be split for sure is refused (ValueError), never split wrong silently: the row is then refused with
a sentence and the user writes it out. The building keeps its name as written, with the estate ("幸福里小区3栋",
"万科2期3栋"): it is matched by name against the area tree, and renaming "3栋" to "3号楼" would be a guess.
"""

import re

from fieldapp.roster.values import chinese_number, normalise

CHINESE = "一二三四五六七八九十百零〇两"
#: The building: anything before it (an estate, a road and its number), then a number or letter, then 号楼, 栋, 幢,
#: 座, 号院 or a bare 号 ("解放路12号502室"). The shortest such start is taken, so digits in an estate's name
#: ("万科2期") stay in the name: "2期" has no marker.
BUILDING = rf"(?P<building>.*?[0-9A-Za-z{CHINESE}](?:号楼|栋|幢|座|号院|号))"
#: The unit: 2单元, 二单元, B单元; or "2-" before a room of three or more characters ("3栋2-502").
UNIT = (
    rf"(?:(?P<unit>[0-9A-Za-z]{{1,3}}|[{CHINESE}]{{1,3}})单元"
    r"|(?P<dash_unit>[0-9]{1,2})-(?=[0-9A-Za-z]{3,}(?:室|号|户|号房|房)?$))?"
)
#: The floor, only where it is written (5层, 5楼, 五层): a room number such as 502 is not read as floor 5 (a
#: 12-storey block's 1202 and a villa's 1202 differ), and the planner stores no floor rather than a wrong one.
FLOOR = rf"(?:(?P<floor>-?[0-9]{{1,3}}|[{CHINESE}]{{1,3}})(?:层|楼))?"
#: The room: letters and digits with at least one digit (502, B102, 1102, 0502), then 室, 号, 户 or 号房.
ROOM = r"(?P<room>[0-9A-Za-z]*[0-9][0-9A-Za-z]*)(?:室|号|户|号房|房)?"
ADDRESS = re.compile(rf"^{BUILDING}{UNIT}{FLOOR}{ROOM}$")
#: Building-unit-room with dashes, as many rosters write it: "3-2-502", "幸福里3-2-502".
DASHED = re.compile(
    r"^(?P<estate>(?:.*[^0-9-])?)(?P<building>[0-9]{1,3})-(?P<unit>[0-9]{1,2})-(?P<room>[0-9]{3,5})(?:室|号)?$"
)
#: A building alone: the address column of a file that has its room in a column of its own.
BUILDING_ONLY = re.compile(rf"^{BUILDING}$")
#: Two addresses in one cell, or a remark in brackets: refused rather than half read.
SEVERAL = re.compile(r"[、,，;；/\\()（）\[\]【】]")
DASHES = str.maketrans({"—": "-", "–": "-", "‐": "-", "―": "-", "~": "-"})
#: A dash right after a marker only separates ("3栋-2单元-502"); not before a floor ("2单元-1层101" is a basement).
MARKER_DASH = re.compile(r"(?<=[栋幢座])-|(?<=号楼)-|(?<=单元)-(?![0-9]+[层楼])")


def _clean(text: str) -> str:
    text = MARKER_DASH.sub("", normalise(text).translate(DASHES))
    if not text or SEVERAL.search(text):
        raise ValueError(text)
    return text


def _number(text: str) -> str:
    """A unit or floor as digits: 三 -> "3"; "B" and "2" as written."""
    return text if text.isascii() else str(chinese_number(text))


def split_address(text: str) -> dict[str, str]:
    """{"building", "unit", "floor", "room"} from one address cell, e.g. "幸福里小区3栋2单元502室" ->
    building "幸福里小区3栋", unit "2", floor "", room "502"; ValueError when it cannot be split for sure."""
    text = _clean(text)
    dashed = DASHED.match(text)
    if dashed:
        building = dashed["estate"] + dashed["building"]
        return {"building": building, "unit": dashed["unit"], "floor": "", "room": dashed["room"]}
    found = ADDRESS.match(text)
    if found is None:
        raise ValueError(text)
    return {
        "building": found["building"],
        "unit": _number(found["unit"] or found["dash_unit"] or ""),
        "floor": _number(found["floor"] or ""),
        "room": found["room"],
    }


def split_building(text: str) -> dict[str, str]:
    """{"building"} from an address cell that names the building only ("幸福里小区3栋"); ValueError otherwise."""
    text = _clean(text)
    found = BUILDING_ONLY.match(text)
    if found is None:
        raise ValueError(text)
    return {"building": found["building"]}
