"""Reading one cell of a roster as grid workers type it: counts in words, phones stored as numbers, a whole
address in one cell. Pure functions, no database; each raises ValueError with nothing to say, the caller words it.
"""

import re
import unicodedata

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
