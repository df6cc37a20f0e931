"""Reading one cell of a roster as grid workers type it: counts in words, phones stored as numbers, a whole
address in one cell. Pure functions, no database; each raises ValueError with nothing to say, the caller words it.
"""

import re
import unicodedata

from flask_babel import lazy_gettext as _l

from fieldapp.limits import AREA_NAME_MAX, FLOOR_RANGE, LAT_RANGE, LON_RANGE, MAX_RESIDENTS, ROOM_MAX, UNIT_MAX
from fieldapp.roster.files import FIELDS, REQUIRED

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
#: 壹贰叁 as bookkeepers write them.
FORMAL = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟", "一二三四五六七八九十百千")


def normalise(text: str | None) -> str:
    """NFKC (全角 digits and letters as ordinary ones, the ideographic space as a space), spaces squeezed out."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def chinese_number(text: str) -> int:
    """三 -> 3, 十二 -> 12, 二十 -> 20, 一百零五 -> 105, 两 -> 2, 叁 -> 3; ValueError if not a plain numeral."""
    text = text.translate(FORMAL)
    if not text or any(ch not in DIGITS and ch not in UNITS for ch in text):
        raise ValueError(text)
    if all(ch in DIGITS for ch in text):  # 一〇五: digit by digit
        return int("".join(str(DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in DIGITS:
            if digit is not None and DIGITS[ch] != 0:
                raise ValueError(text)  # 三四十: two digits in a row
            digit = DIGITS[ch] if DIGITS[ch] else None
        else:
            total += (1 if digit is None else digit) * UNITS[ch]
            digit = None
    return total + (digit or 0)


def whole_number(text: str, suffixes: str = "") -> int:
    """A count as written: "3", "3.0" (Excel), "三", "3人", "三户"; ValueError if it is none of these."""
    text = normalise(text).rstrip(suffixes) if suffixes else normalise(text)
    if re.fullmatch(r"-?\d+(\.0+)?", text):
        return int(float(text))
    return chinese_number(text)


def phone_number(text: str) -> str:
    """A phone as typed: digits kept, separators dropped ("138 0013 8000", "138-0013-8000", 13800138000.0,
    "+86 138..."); ValueError for what lost digits on the way (1.38E+10) or is not a phone."""
    text = normalise(text)
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if re.search(r"[eE][+-]?\d", text):
        raise ValueError(text)
    digits = re.sub(r"[-()（）.]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not re.fullmatch(r"\d{7,20}", digits):
        raise ValueError(text)
    return digits


# A building: 3栋 / 3幢 / 3号楼 / 3号 / 三栋 / A座, after any estate name (幸福里小区). The unit: 2单元 / 二单元.
# The floor: 5层 / 5楼 (not 号楼). The room: 502 / 502室 / 502号.
ADDRESS = re.compile(
    r"^(?P<building>.*?(?:[0-9A-Za-z一二三四五六七八九十百零〇两]+)(?:号楼|栋|幢|座|号院|号(?=[0-9一二三四五六七八九十]+单元)))"
    r"(?:(?P<unit>[0-9A-Za-z一二三四五六七八九十]+)单元)?"
    r"(?:(?P<floor>-?[0-9一二三四五六七八九十]+)(?:层|楼(?!号)))?"
    r"(?P<room>[0-9A-Za-z-]+)(?:室|号|户)?$"
)


def split_address(text: str) -> dict[str, str]:
    """{"building", "unit", "floor", "room"} from one address cell, e.g. "幸福里小区3栋2单元502室" ->
    building "幸福里小区3栋", unit "2", floor "" , room "502"; ValueError when it cannot be split for sure."""
    found = ADDRESS.match(normalise(text))
    if found is None:
        raise ValueError(text)
    parts = {key: value or "" for key, value in found.groupdict().items()}
    for key in ("unit", "floor"):
        if parts[key] and not parts[key].lstrip("-").isdigit():
            parts[key] = str(chinese_number(parts[key]))
    return parts


KINDS = {
    "household": "household", "住户": "household", "户": "household", "居民": "household", "家庭": "household",
    "shop": "shop", "商户": "shop", "店铺": "shop",
    "enterprise": "enterprise", "企业": "enterprise",
    "school": "school", "学校": "school",
}  # fmt: skip


def parse_int(text: str, low: int, high: int, suffixes: str = "") -> int | None:
    text = text.rstrip(suffixes) if suffixes else text
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError
    value = int(text)
    if not low <= value <= high:
        raise ValueError
    return value


def parse_float(text: str, low: float, high: float) -> float:
    value = float(text)
    if not low <= value <= high:
        raise ValueError
    return value


def site_values(values: dict[str, str]) -> tuple[dict, list[str]]:
    """Typed site values of one row ({field: text} as read), and what is wrong with them, each in a sentence.

    Keys of the typed values: unit, room, floor, residents, kind, status, contact_phone, householder, lat, lon
    (a key is absent when its cell is empty: an import then keeps what is stored)."""
    problems, out = [], {}
    for key in REQUIRED:
        if not values.get(key):
            label = next(zh for k, zh, _en in FIELDS if k == key)
            problems.append(_l("%(column)s is empty.", column=label))
    out["unit"] = values.get("unit", "").removesuffix("单元")
    out["room"] = values.get("room", "").removesuffix("室")
    if len(out["unit"]) > UNIT_MAX or len(out["room"]) > ROOM_MAX:
        problems.append(_l("Unit or room is too long."))
    for key in ("station", "community", "grid", "building"):
        if len(values.get(key, "")) > AREA_NAME_MAX:
            problems.append(_l("An area name is longer than %(max)d characters.", max=AREA_NAME_MAX))
    if values.get("floor"):
        try:
            out["floor"] = parse_int(values["floor"].upper(), *FLOOR_RANGE, suffixes="F楼层")
        except ValueError:
            problems.append(
                _l(
                    "Floor “%(value)s” is not a whole number from %(low)d to %(high)d.",
                    value=values["floor"],
                    low=FLOOR_RANGE[0],
                    high=FLOOR_RANGE[1],
                )
            )
    if values.get("residents"):
        try:
            out["residents"] = parse_int(values["residents"], 0, MAX_RESIDENTS, suffixes="人")
        except ValueError:
            problems.append(
                _l(
                    "Residents “%(value)s” is not a whole number from 0 to %(max)d.",
                    value=values["residents"],
                    max=MAX_RESIDENTS,
                )
            )
    if values.get("kind"):
        kind = KINDS.get(values["kind"].lower())
        if kind is None:
            problems.append(_l("Unknown kind “%(value)s” (住户, 商户, 企业 or 学校).", value=values["kind"]))
        out["kind"] = kind
    for key, (low, high) in (("lat", LAT_RANGE), ("lon", LON_RANGE)):
        if values.get(key):
            try:
                out[key] = parse_float(values[key], low, high)
            except ValueError:
                problems.append(_l("Coordinate “%(value)s” is not a number in range.", value=values[key]))
    if ("lat" in out) != ("lon" in out) and not problems:
        problems.append(_l("Give both latitude and longitude, or neither."))
    return out, problems
