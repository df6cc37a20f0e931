"""One search box for a back-check (倒查): an address fragment, a door code, the last four digits of a phone, or
a householder's name, answered inside the user's own area, exact doors first.

Every query the box runs can use an index at 1M sites: the address is parsed first into building number,
unit and room, the buildings are found in the (small) area table, and the doors by (building, unit, room);
a door code is a unique column; the phone's last four digits are compared as an expression that an index
can hold (see phone_last4 and bench/backcheck_search.py). No LIKE '%x' runs on the sites table.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, literal_column, or_, select
from sqlalchemy.orm import joinedload

from fieldapp.extensions import db
from fieldapp.models import Area, Site, Tag
from fieldapp.roster.addresses import split_address
from fieldapp.roster.values import chinese_number

#: Results shown at most: a back-check wants one household, a short list to pick from.
RESULT_LIMIT = 50
#: An address naming so many buildings is too broad to list doors for (the user adds a building or community).
BUILDING_LIMIT = 3000
#: Places a word may name ("东门" in several communities' names); more is not a place but a common word.
PLACE_LIMIT = 200

CHINESE = "一二三四五六七八九十百零〇两"
#: How a building's number is followed: 3号楼, 3栋, 3幢, 3座, 3号院, and 3#楼 / 3# as rosters and notebooks write it.
BUILDING_MARKS = "号楼|栋|幢|座|号院|#楼|#"
NUMBER = rf"[0-9A-Za-z]{{1,3}}|[{CHINESE}]{{1,4}}"
#: A room: letters and digits with at least one digit (502, B102), or Chinese numerals (五〇二, 五百零二).
ROOM = rf"[0-9A-Za-z]*[0-9][0-9A-Za-z]*|[{CHINESE}]{{1,6}}"
ROOM_MARKS = "室|号房|号|户|房"
#: A building name or a typed building: "3号楼", "三栋", "幸福里小区3栋", "第三幢".
BUILDING_TOKEN = re.compile(rf"^(?P<words>.*?)第?(?P<number>{NUMBER})(?:{BUILDING_MARKS})$")
#: Any run of building, unit and room typed as one token, each optional but in this order: "三号楼二单元五〇二室",
#: "3幢2单元", "2单元502", "二单元", "502室", "3栋2-502", "12号502室" (a bare 号 marks a building only when a
#: unit or room follows). Place words may only come before a building ("东门3号楼").
ADDRESS_TOKEN = re.compile(
    rf"^(?:(?P<words>.*?)第?(?P<building>{NUMBER})(?:{BUILDING_MARKS}|号(?=.)))?"
    rf"(?:(?P<unit>{NUMBER})单元|(?P<dash_unit>[0-9]{{1,2}})-(?=[0-9A-Za-z]{{3,}}))?"
    rf"(?:(?P<room>{ROOM})(?P<room_mark>{ROOM_MARKS})?)?$"
)
DOOR_CODE = re.compile(r"^[2-9A-HJKMNP-Z]{8}$")
MOBILE = re.compile(r"^1[0-9]{10}$")
LAST_FOUR = re.compile(r"^[0-9]{4}$")
#: What the names of buildings end with: "3号楼", "3栋", "幸福里小区3栋", "3#楼".
BUILDING_SUFFIXES = ("号楼", "栋", "幢", "座", "号院", "号", "#楼", "#")

#: The last four characters of the phone, written so that an expression index on exactly this text serves it
#: (SQLite and PostgreSQL both; a bound parameter instead of the literal 3 would not match the index).
phone_last4 = func.substr(Site.contact_phone, func.length(Site.contact_phone) - literal_column("3"))


@dataclass
class Query:
    """What the box was understood to ask."""

    door_code: str = ""
    phone: str = ""
    last_four: str = ""
    building: str = ""  # the building's number as digits, e.g. "3"
    unit: str = ""
    room: str = ""
    words: list[str] = field(default_factory=list)  # community / estate names, or a householder

    @property
    def is_address(self) -> bool:
        return bool(self.building or self.room or self.unit or self.words)


def _number(text: str) -> str:
    """ "3", "三", "十三", "五〇二" as digits; letters as written, in capitals."""
    return text.upper() if text.isascii() else str(chinese_number(text))


def _take_parts(query: Query, found: re.Match) -> None:
    """What ADDRESS_TOKEN found, each part only if present (a later token may add what this one lacks)."""
    if found["building"]:
        query.building = _number(found["building"])
        if found["words"]:
            query.words.append(found["words"])
    if found["unit"] or found["dash_unit"]:
        query.unit = _number(found["unit"] or found["dash_unit"])
    if found["room"]:
        query.room = _number(found["room"])


def parse(text: str) -> Query:
    """The box's text as a Query: tokens split on spaces, each read as a code, phone, building, unit, room or word.

    Numbers are kept as digits whichever way they are typed: 三号楼, 3号楼, 3栋, 3幢 and 3#楼 are building "3";
    二单元 and 2单元 unit "2"; 502室, 502 and 五〇二 room "502"."""
    query = Query()
    tokens = [unicodedata.normalize("NFKC", token) for token in (text or "").split()]
    tokens = [token for token in tokens if token]
    if len(tokens) == 1 and LAST_FOUR.match(tokens[0]):
        query.last_four = tokens[0]  # a four-digit room (1502) is found with its building: "3号楼 1502"
        return query
    for position, token in enumerate(tokens):
        found = ADDRESS_TOKEN.match(token)
        if DOOR_CODE.match(token.upper()) and any(ch.isalpha() for ch in token):
            query.door_code = token.upper()
        elif MOBILE.match(token):
            query.phone = token
        elif found and any(found[part] for part in ("building", "unit", "dash_unit", "room")):
            followed = position + 1 < len(tokens)
            try:
                if found["room_mark"] == "号" and not found["building"] and not query.building and followed:
                    query.building = _number(found["room"])  # "3号 2单元 502": a bare 号 before more is the building
                else:
                    _take_parts(query, found)
            except ValueError:  # not one numeral ("三四十"): a word, as any other text
                query.words.append(token)
        else:
            _whole_address(query, token)
    return query


def _whole_address(query: Query, token: str) -> None:
    """A token that is a whole address ("东门社区3栋2单元502室", "3-2-502") or else a word."""
    try:
        parts = split_address(token)
    except ValueError:
        query.words.append(token)
        return
    found = BUILDING_TOKEN.match(parts["building"])
    try:
        building = _number(found["number"]) if found else ""
    except ValueError:
        found = None
    if found:
        query.building = building
        if found["words"]:
            query.words.append(found["words"])
    elif parts["building"].isdigit():  # "3-2-502"
        query.building = parts["building"]
    else:
        query.words.append(parts["building"])
    query.unit = parts["unit"].upper() or query.unit
    query.room = parts["room"].upper()


@dataclass
class Hit:
    site: Site
    rank: int  # lower first
    why: str  # "door_code", "phone", "last_four", "door", "address", "householder"


def _building_number(name: str) -> str | None:
    """ "3号楼" / "幸福里小区3栋" -> "3"; None for a name with no number before a building suffix."""
    found = BUILDING_TOKEN.match(name) or re.match(r"^(?P<words>.*?)(?P<number>[0-9A-Za-z]+)号$", name)
    if found is None:
        return None
    try:
        return _number(found["number"]).upper()
    except ValueError:
        return None


def chinese_numerals(number: str) -> str:
    """ "3" -> "三", "13" -> "十三", "21" -> "二十一": how a building named in words writes its number (up to 99)."""
    if not number.isdigit() or not 0 < int(number) < 100:
        return ""
    tens, ones = divmod(int(number), 10)
    words = "零一二三四五六七八九"
    return (words[tens] if tens > 1 else "") + ("十" if tens else "") + (words[ones] if ones else "")


def _buildings(scope: Area, query: Query) -> list[int] | None:
    """Ids of the buildings in scope the address names (None: it names none in particular, any building).

    The places the words name come first (a few rows of the area table), then only the buildings below them whose
    name ends with the number and a building suffix: a handful of rows, not every building with a 3 in its name."""
    if not query.building and not query.words:
        return None
    places_by_word = [
        db.session.scalars(
            select(Area.path).where(Area.within(scope), Area.name.contains(word, autoescape=True)).limit(PLACE_LIMIT)
        ).all()
        for word in query.words
    ]
    if any(not places for places in places_by_word):
        return []
    buildings = select(Area.id, Area.name, Area.path).where(Area.level == "building", Area.within(scope))
    if places_by_word:
        buildings = buildings.where(or_(*[Area.path.startswith(path) for path in places_by_word[0]]))
    if query.building:
        numbers = {query.building, chinese_numerals(query.building)} - {""}
        endings = [f"{number}{suffix}" for number in numbers for suffix in BUILDING_SUFFIXES]
        buildings = buildings.where(or_(*[Area.name.endswith(ending, autoescape=True) for ending in endings]))
    rows = db.session.execute(buildings).all()
    if query.building:  # "13号楼" ends with "3号楼" too
        rows = [row for row in rows if _building_number(row.name) == query.building]
    for places in places_by_word[1:]:  # every word names a place on the building's path
        rows = [row for row in rows if any(row.path.startswith(path) for path in places)]
    return [row.id for row in rows]


def _in_scope(statement, scope: Area):
    return statement.join(Area, Area.id == Site.building_id).where(Area.within(scope))


def search(scope: Area, text: str) -> tuple[list[Hit], bool]:
    """Households in `scope` for the box's text, best first; and whether the address was too broad to list."""
    query = parse(text)
    hits: dict[int, Hit] = {}

    def add(statement, rank: int, why: str) -> None:
        for site in db.session.scalars(_in_scope(statement, scope).limit(RESULT_LIMIT)):
            if site.id not in hits or hits[site.id].rank > rank:
                hits[site.id] = Hit(site, rank, why)

    if query.door_code:
        add(select(Site).join(Tag, Tag.site_id == Site.id).where(Tag.short_code == query.door_code), 0, "door_code")
    if query.phone:
        add(select(Site).where(phone_last4 == query.phone[-4:], Site.contact_phone == query.phone), 0, "phone")
    if query.last_four:
        add(select(Site).where(phone_last4 == query.last_four), 1, "last_four")
    too_broad = False
    if query.is_address:
        building_ids = _buildings(scope, query)
        if building_ids is None or len(building_ids) > BUILDING_LIMIT:
            too_broad = True  # a room or unit alone would read every door of the area: the building is asked for
        elif building_ids == [] and query.words and not (query.building or query.room or query.unit):
            # Words that name no place: perhaps a householder, as the roster writes them.
            add(select(Site).where(Site.householder.in_(query.words)), 2, "householder")
        elif building_ids != []:
            doors = select(Site).where(Site.building_id.in_(building_ids))
            if query.unit:
                doors = doors.where(Site.unit == query.unit)
            if query.room:
                doors = doors.where(Site.room == query.room)
            exact = bool(query.room)
            add(doors, 1 if exact else 3, "door" if exact else "address")
    ordered = sorted(hits.values(), key=lambda hit: (hit.rank, hit.site.building_id, hit.site.unit, hit.site.room))
    return ordered[:RESULT_LIMIT], too_broad


def address_parts(sites: list[Site], scope: Area | None = None) -> dict[int, dict[str, str]]:
    """Per site id: its station, community, grid and building names, for "community · building · unit · room"
    (two communities both have a 1号楼). One query for all the areas above the sites."""
    ids = {int(part) for site in sites for part in site.building.path.strip("/").split("/") if part}
    areas = {area.id: area for area in db.session.scalars(select(Area).where(Area.id.in_(ids)))} if ids else {}
    parts = {}
    for site in sites:
        above = [areas[int(part)] for part in site.building.path.strip("/").split("/") if part]
        by_level = {area.level: area.name for area in above}
        # A village may hold its groups directly: the area just above the building stands in for the community.
        community = by_level.get("community") or (above[-2].name if len(above) > 1 else "")
        parts[site.id] = {
            "station": by_level.get("station", ""),
            "community": community,
            "grid": by_level.get("grid", ""),
            "building": site.building.name,
            "door": site.door_label,
        }
    return parts


def full_address(parts: dict[str, str]) -> str:
    """ "东门社区 · 3号楼 · 2单元 502" (the building's own name already holds an estate when imported so)."""
    return " · ".join(part for part in (parts["community"], parts["building"], parts["door"]) if part)


def load_for_results(hits: list[Hit]) -> None:
    """The sites' buildings and tags, in two queries rather than one per row."""
    ids = [hit.site.id for hit in hits]
    if ids:
        db.session.scalars(
            select(Site).where(Site.id.in_(ids)).options(joinedload(Site.building), joinedload(Site.tags))
        ).unique().all()
