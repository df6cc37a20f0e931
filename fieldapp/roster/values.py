"""Reading one cell of a roster as grid workers type it: counts in words, phones stored as numbers, statuses and
kinds in their everyday words. Pure functions, no database; the number readers raise ValueError with nothing to
say, `site_values` words each problem in a sentence.
"""

import re
import unicodedata

from flask_babel import lazy_gettext as _l

from fieldapp.limits import (
    AREA_NAME_MAX,
    FLOOR_RANGE,
    HOUSEHOLDER_MAX,
    LAT_RANGE,
    LON_RANGE,
    MAX_RESIDENTS,
    ROOM_MAX,
    UNIT_MAX,
)
from fieldapp.roster.sheets import FIELDS, REQUIRED

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
#: 壹贰叁 as bookkeepers write them.
FORMAL = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟", "一二三四五六七八九十百千")
SPACES = re.compile(r"\s+")
COUNT = re.compile(r"-?\d+(?:\.0+)?")
#: A householder's name as the column holds it (sites.householder).


def normalise(text: str | None) -> str:
    """NFKC (全角 digits and letters as ordinary ones, the ideographic space as a space), spaces squeezed out."""
    return SPACES.sub("", unicodedata.normalize("NFKC", text or ""))


def chinese_number(text: str, digit_by_digit: bool = True) -> int:
    """三 -> 3, 十二 -> 12, 二十 -> 20, 一百零五 -> 105, 两 -> 2, 叁 -> 3; 五〇二 -> 502 digit by digit unless
    `digit_by_digit` is False (a count: 三四 means "three or four"). ValueError if not a plain numeral."""
    text = text.translate(FORMAL)
    if not text or any(ch not in DIGITS and ch not in UNITS for ch in text):
        raise ValueError(text)
    if all(ch in DIGITS for ch in text):
        if len(text) > 1 and not digit_by_digit:
            raise ValueError(text)
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
    """A count as written: "3", "3.0" (Excel), "三", "十二", "两人", "三口人"; ValueError if it is none of these
    or not one number ("三四", "3-4", "约3人"). The caller checks the range (-1 is a number, not a count)."""
    text = normalise(text).rstrip(suffixes) if suffixes else normalise(text)
    if COUNT.fullmatch(text):
        return int(float(text))
    return chinese_number(text, digit_by_digit=False)


PHONE_SEPARATORS = re.compile(r"[-()（）.·]")


def phone_number(text: str) -> str:
    """A phone as typed: digits kept, separators dropped ("138 0013 8000", "138-0013-8000", 13800138000.0,
    "+86 138...", "0571-88886666"). ValueError for what lost digits on the way (1.38E+10), several numbers in one
    cell, or what is not a phone (a mobile has 11 digits; a landline 7 to 12)."""
    text = normalise(text)
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if re.search(r"[eE][+-]?\d", text):
        raise ValueError(text)
    digits = PHONE_SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(text)
    if len(digits) != 11 if digits.startswith("1") else not 7 <= len(digits) <= 12:
        raise ValueError(text)
    return digits


#: A phone or a name as the roster export and the lists show it (138****8000, 张某): kept as it is, so that the
#: planner can tell "unchanged" (the mask of what is stored) from a new value.
MASKED_PHONE = re.compile(r"\d{0,4}\*+\d{0,4}")
SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+?\d+")

KINDS = {
    "household": "household", "住户": "household", "户": "household", "居民": "household", "家庭": "household",
    "居民户": "household", "民居": "household", "住宅": "household", "自住": "household", "租户": "household",
    "出租户": "household", "住家": "household", "residential": "household", "home": "household",
    "shop": "shop", "商户": "shop", "店铺": "shop", "门店": "shop", "个体户": "shop", "个体工商户": "shop",
    "商铺": "shop", "沿街商铺": "shop", "门面": "shop", "商店": "shop", "店面": "shop", "store": "shop",
    "enterprise": "enterprise", "企业": "enterprise", "公司": "enterprise", "单位": "enterprise",
    "工厂": "enterprise", "厂": "enterprise", "企事业单位": "enterprise", "company": "enterprise",
    "school": "school", "学校": "school", "幼儿园": "school", "小学": "school", "中学": "school",
}  # fmt: skip
STATUSES = {
    "occupied": "occupied", "有人住": "occupied", "有人居住": "occupied", "在住": "occupied", "常住": "occupied",
    "居住": "occupied", "自住": "occupied", "已入住": "occupied", "入住": "occupied", "出租": "occupied",
    "vacant": "vacant", "空置": "vacant", "空房": "vacant", "空": "vacant", "无人居住": "vacant",
    "无人住": "vacant", "闲置": "vacant", "空置房": "vacant", "empty": "vacant",
    "moved_out": "moved_out", "movedout": "moved_out", "搬离": "moved_out", "已搬离": "moved_out",
    "已搬走": "moved_out", "搬走": "moved_out", "迁出": "moved_out", "已迁出": "moved_out", "外迁": "moved_out",
    "new": "new", "newlymovedin": "new", "新入住": "new", "新住户": "new", "新搬入": "new", "新迁入": "new",
}  # fmt: skip


def parse_int(text: str, low: int, high: int, suffixes: str = "") -> int:
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


def site_values(values: dict[str, str]) -> tuple[dict, list]:
    """Typed site values of one row ({field: text} as read), and what is wrong with them, each in a sentence.

    Keys of the typed values: unit, room, floor, residents, kind, status, contact_phone, householder, lat, lon
    (a key other than unit and room is absent when its cell is empty: an import then keeps what is stored)."""
    problems, out = [], {}
    for key in REQUIRED:
        if not values.get(key):
            label = next(zh for k, zh, _en in FIELDS if k == key)
            problems.append(_l("%(column)s is empty.", column=label))
    unit = values.get("unit", "").removesuffix("单元")
    if unit and not unit.isascii() and all(ch in DIGITS or ch in UNITS for ch in unit):
        unit = str(chinese_number(unit))  # 三单元 is unit 3, as the address column reads it
    out["unit"], out["room"] = unit, values.get("room", "").removesuffix("室")
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
            out["residents"] = whole_number(values["residents"], suffixes="人口")
            if not 0 <= out["residents"] <= MAX_RESIDENTS:
                raise ValueError
        except ValueError:
            out.pop("residents", None)
            problems.append(
                _l(
                    "Residents “%(value)s” is not a whole number from 0 to %(max)d.",
                    value=values["residents"],
                    max=MAX_RESIDENTS,
                )
            )
    if values.get("kind"):
        kind = KINDS.get(values["kind"].lower().replace(" ", ""))
        if kind is None:
            problems.append(_l("Unknown kind “%(value)s” (住户, 商户, 企业 or 学校).", value=values["kind"]))
        out["kind"] = kind
    if values.get("status"):
        status = STATUSES.get(values["status"].lower().replace(" ", ""))
        if status is None:
            problems.append(_l("Unknown status “%(value)s” (在住, 空置, 已搬离 or 新入住).", value=values["status"]))
        out["status"] = status
    if values.get("phone"):
        out["contact_phone"] = _phone(values["phone"], problems)
    if values.get("householder"):
        out["householder"] = values["householder"].strip()
        if len(out["householder"]) > HOUSEHOLDER_MAX:
            problems.append(_l("The householder's name is longer than %(max)d characters.", max=HOUSEHOLDER_MAX))
    for key, (low, high) in (("lat", LAT_RANGE), ("lon", LON_RANGE)):
        if values.get(key):
            try:
                out[key] = parse_float(values[key], low, high)
            except ValueError:
                problems.append(_l("Coordinate “%(value)s” is not a number in range.", value=values[key]))
    if ("lat" in out) != ("lon" in out) and not problems:
        problems.append(_l("Give both latitude and longitude, or neither."))
    return out, problems


def _phone(text: str, problems: list) -> str | None:
    """The phone's digits, or the masked phone as written; None, with a problem, for what is not a phone."""
    squeezed = normalise(text)
    if MASKED_PHONE.fullmatch(squeezed):
        return squeezed
    try:
        return phone_number(text)
    except ValueError:
        if SCIENTIFIC.search(squeezed):
            problems.append(
                _l(
                    "Phone “%(value)s” was stored as a number and lost its last digits: format the phone column"
                    " as text in Excel and type the numbers again.",
                    value=text,
                )
            )
        else:
            problems.append(
                _l(
                    "Phone “%(value)s” is not one phone number (a mobile has 11 digits, a landline 7 to 12).",
                    value=text,
                )
            )
        return None
