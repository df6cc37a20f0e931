"""Where a warning goes: the household its door code, phone or address finds, that household's area, and the person
responsible for its building (包户到人); else the area the importer picked, for a supervisor to route.

A batch of warnings (a file's rows, the feed's list) is routed from one `Lookups`: the warnings already stored under
its numbers, the door tags, the households of its phones and addresses and the people responsible for their
buildings are each read once for the whole batch, a few statements whatever its size, and then answered from
memory. One warning is a batch of one."""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldapp.extensions import db
from fieldapp.models import Area, MemberAssignment, Site, Tag, User
from fieldapp.models.outreach import FraudWarning
from fieldapp.roster.addresses import split_address
from fieldapp.roster.values import normalise
from fieldapp.sites.scan import normalise_code

#: Values per IN (...) list: far below SQLite's and PostgreSQL's limits on bound parameters.
IN_CHUNK = 2000
#: A phone shorter than this finds no household (an extension, a typo).
PHONE_MIN_DIGITS = 7


def phone_digits(phone: str | None) -> str:
    """The phone as digits only ("138 1234-1234" -> "13812341234"), the way households' phones are stored; a
    mobile number with China's country code (+86 138...) without it, so that it finds its household."""
    digits = "".join(ch for ch in normalise(phone or "") if ch.isdigit())
    return digits[2:] if len(digits) == 13 and digits.startswith("861") else digits


def _read_in(query, column, values: Iterable) -> list:
    """The rows of `query` whose `column` is one of `values`, in chunks of IN_CHUNK (none when no values)."""
    values = sorted(set(values))
    rows = []
    for start in range(0, len(values), IN_CHUNK):
        rows += db.session.execute(query.where(column.in_(values[start : start + IN_CHUNK]))).unique().all()
    return rows


def _address_parts(address: str) -> dict | None:
    try:
        return split_address(address)
    except ValueError:
        return None


class Lookups:
    """What routing a batch of warnings for `by` reads, read once: see the module's docstring."""

    def __init__(
        self,
        by: User,
        numbers: Iterable[str] = (),
        codes: Iterable[str] = (),
        phones: Iterable[str] = (),
        addresses: Iterable[str] = (),
    ):
        self.by, self.area = by, by.area
        stored = select(FraudWarning).options(joinedload(FraudWarning.area))
        #: The warnings stored under the batch's numbers; create_warnings adds those it stores.
        numbers = {number.strip() for number in numbers}
        self.stored = {w.external_id: w for (w,) in _read_in(stored, FraudWarning.external_id, numbers)}
        tags = select(Tag).options(joinedload(Tag.site).joinedload(Site.building))
        self.tags = {tag.short_code: tag for (tag,) in _read_in(tags, Tag.short_code, map(normalise_code, codes))}
        self._phones = self._households_by_phone({p for p in phones if len(p) >= PHONE_MIN_DIGITS})
        self._addresses = self._households_by_address({a.strip() for a in addresses if a.strip()})
        self._responsible = self._responsible_people()

    # Reading, once per batch ----------------------------------------------------------------------------------

    def _households_by_phone(self, phones: set[str]) -> dict[str, list[Site]]:
        """{phone: the households inside `by`'s area with it}."""
        query = (
            select(Site)
            .join(Area, Area.id == Site.building_id)
            .where(Area.within(self.area))
            .options(joinedload(Site.building))
        )
        found = defaultdict(list)
        for (site,) in _read_in(query, Site.contact_phone, phones):
            found[site.contact_phone].append(site)
        return found

    def _households_by_address(self, addresses: set[str]) -> dict[str, list[Site]]:
        """{address: the doors inside `by`'s area it may name}: see `household_by_address`."""
        parts = {address: _address_parts(address) for address in addresses}
        parts = {address: found for address, found in parts.items() if found}
        suffixes = {text[i:] for found in parts.values() for text in [found["building"]] for i in range(len(text))}
        query = select(Area).where(Area.within(self.area), Area.level == "building")
        buildings = defaultdict(list)
        for (building,) in _read_in(query, Area.name, suffixes):
            buildings[building.name].append(building)
        above_ids = {i for named in buildings.values() for b in named for i in b.ancestor_ids[:-1]}
        above = {a.id: a for (a,) in _read_in(select(Area), Area.id, above_ids)}
        matching = {}
        for address, found in parts.items():
            text = found["building"]
            matching[address] = {
                building.id
                for start in range(len(text))
                for building in buildings.get(text[start:], ())
                if not start or _names_above([above[i] for i in building.ancestor_ids[:-1]], text[:start])
            }
        doors = defaultdict(list)
        every = {i for ids in matching.values() for i in ids}
        rooms = {found["room"] for found in parts.values()}
        query = select(Site).where(Site.room.in_(rooms)).options(joinedload(Site.building))
        for (site,) in _read_in(query, Site.building_id, every):
            doors[site.building_id].append(site)
        return {
            address: [
                site
                for building_id in sorted(matching[address])
                for site in doors[building_id]
                if site.unit == parts[address]["unit"] and site.room == parts[address]["room"]
            ]
            for address in parts
        }

    def _responsible_people(self) -> dict[int, list[tuple[str, MemberAssignment]]]:
        """{area id: its member assignment} for every area above the buildings found, with the areas and people
        loaded (so `site.building.parent` and `assignment.user` are read from memory)."""
        sites = [site for found in (*self._phones.values(), *self._addresses.values()) for site in found]
        sites += [tag.site for tag in self.tags.values() if tag.site is not None]
        ids = {i for site in sites for i in site.building.ancestor_ids}
        _read_in(select(Area), Area.id, ids)  # the grids above the buildings, into the session
        query = (
            select(MemberAssignment, Area.path)
            .join(Area, Area.id == MemberAssignment.area_id)
            .options(joinedload(MemberAssignment.user))
        )
        return {assignment.area_id: (path, assignment) for assignment, path in _read_in(query, Area.id, ids)}

    # Answering, from memory -----------------------------------------------------------------------------------

    def stored_warning(self, external_id: str) -> FraudWarning | None:
        return self.stored.get(external_id.strip())

    def door_household(self, code: str) -> Site | None:
        """The household behind a door tag's short code (as printed or typed), if it lies in `by`'s area."""
        tag = self.tags.get(normalise_code(code))
        if tag is None or tag.site is None or not self.by.can_see(tag.site.building):
            return None
        return tag.site

    def household_by_phone(self, phone: str) -> Site | None:
        """The one household inside `by`'s area with this phone; None when none or several have it."""
        sites = self._phones.get(phone, []) if len(phone) >= PHONE_MIN_DIGITS else []
        return sites[0] if len(sites) == 1 else None

    def household_by_address(self, address: str) -> Site | None:
        """The one door inside `by`'s area an address such as "东门社区1号楼2单元502" names; None unless exactly one.

        The building's name must end the address's building part; what comes before it (an estate, a community)
        must then belong to a name above that building, so two communities' "1号楼" are told apart."""
        sites = self._addresses.get(address.strip(), [])
        return sites[0] if len(sites) == 1 else None

    def find_household(self, phone: str | None, address: str) -> Site | None:
        """The household the warning is about, by phone first, then by address; None when neither finds one."""
        site = self.household_by_phone(phone) if phone else None
        if site is None and address.strip():
            site = self.household_by_address(address)
        return site

    def route(self, site: Site | None, area: Area, assignee: User | None) -> tuple[Area, User | None]:
        """(area, person) a warning goes to: a found household's grid and the person responsible for its
        building, unless the person chosen can see that grid; without a household, the area and person given."""
        if site is None:
            return area, assignee
        grid = site.building.parent
        if assignee is None or not assignee.can_see(grid):
            assignee = self.responsible_person(site.building)
        return grid, assignee

    def responsible_person(self, building: Area) -> User | None:
        """The member given this building, or the grid around it, by name (包户到人), if they are still active."""
        rows = [self._responsible[i] for i in building.ancestor_ids if i in self._responsible]
        for _path, assignment in sorted(rows, key=lambda row: len(row[0]), reverse=True):
            user = assignment.user
            if user.is_active and user.team_id == assignment.team_id:
                return user
        return None


def _names_above(above: list[Area], prefix: str) -> bool:
    """The prefix names the building's community or grid ("东门" or "东门社区" for 东门社区)."""
    return any(prefix in area.name or area.name in prefix for area in above if area.level != "district")
