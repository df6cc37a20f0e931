"""Where a warning goes: the household its phone or address finds, that household's area, and the person
responsible for its building (包户到人); else the area the importer picked, for a supervisor to route."""

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, MemberAssignment, Site, Tag, User
from fieldapp.roster.addresses import split_address
from fieldapp.roster.values import normalise
from fieldapp.sites.scan import normalise_code


def phone_digits(phone: str | None) -> str:
    """The phone as digits only ("138 1234-1234" -> "13812341234"), the way households' phones are stored; a
    mobile number with China's country code (+86 138...) without it, so that it finds its household."""
    digits = "".join(ch for ch in normalise(phone or "") if ch.isdigit())
    return digits[2:] if len(digits) == 13 and digits.startswith("861") else digits


def household_by_phone(area: Area, phone: str) -> Site | None:
    """The one household inside `area` with this phone; None when none or several have it."""
    if len(phone) < 7:
        return None
    sites = db.session.scalars(
        select(Site)
        .join(Area, Area.id == Site.building_id)
        .where(Area.within(area), Site.contact_phone == phone)
        .limit(2)
    ).all()
    return sites[0] if len(sites) == 1 else None


def household_by_address(area: Area, address: str) -> Site | None:
    """The one door inside `area` an address such as "东门社区1号楼2单元502" names; None unless exactly one.

    The building's name must end the address's building part; what comes before it (an estate, a community)
    must then belong to a name above that building, so two communities' "1号楼" are told apart."""
    try:
        parts = split_address(address)
    except ValueError:
        return None
    text = parts["building"]
    suffixes = [text[start:] for start in range(len(text))]
    buildings = db.session.scalars(
        select(Area).where(Area.within(area), Area.level == "building", Area.name.in_(suffixes))
    ).all()
    matching = []
    for building in buildings:
        prefix = text[: len(text) - len(building.name)]
        if prefix and not _names_above(building, prefix):
            continue
        matching.append(building.id)
    if not matching:
        return None
    sites = db.session.scalars(
        select(Site)
        .where(Site.building_id.in_(matching), Site.unit == parts["unit"], Site.room == parts["room"])
        .limit(2)
    ).all()
    return sites[0] if len(sites) == 1 else None


def _names_above(building: Area, prefix: str) -> bool:
    """The prefix names the building's community or grid ("东门" or "东门社区" for 东门社区)."""
    above = db.session.scalars(select(Area).where(Area.id.in_(building.ancestor_ids[:-1]))).all()
    return any(prefix in area.name or area.name in prefix for area in above if area.level != "district")


def find_household(area: Area, phone: str | None, address: str) -> Site | None:
    """The household the warning is about, by phone first, then by address; None when neither finds one."""
    site = household_by_phone(area, phone) if phone else None
    if site is None and address.strip():
        site = household_by_address(area, address)
    return site


def door_household(by: User, code: str) -> Site | None:
    """The household behind a door tag's short code (as printed or typed), if it lies in `by`'s area."""
    tag = db.session.scalar(select(Tag).where(Tag.short_code == normalise_code(code)))
    if tag is None or tag.site is None or not by.can_see(tag.site.building):
        return None
    return tag.site


def household_route(site: Site | None, area: Area, assignee: User | None) -> tuple[Area, User | None]:
    """(area, person) a warning goes to: a found household's grid and the person responsible for its building,
    unless the person chosen can see that grid; without a household, the area and person given."""
    if site is None:
        return area, assignee
    grid = site.building.parent
    if assignee is None or not assignee.can_see(grid):
        assignee = responsible_person(site.building)
    return grid, assignee


def responsible_person(building: Area) -> User | None:
    """The member given this building, or the grid around it, by name (包户到人), if they are still active."""
    rows = db.session.execute(
        select(MemberAssignment, Area.path)
        .join(Area, Area.id == MemberAssignment.area_id)
        .where(MemberAssignment.area_id.in_(building.ancestor_ids))
    ).all()
    for assignment, _path in sorted(rows, key=lambda row: len(row[1]), reverse=True):
        user = assignment.user
        if user.is_active and user.team_id == assignment.team_id:
            return user
    return None
