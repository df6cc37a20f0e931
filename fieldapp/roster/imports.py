"""Reading a roster file (CSV or XLSX) and planning its import: what would be added, updated, refused.

Nothing here writes. `plan_import` checks every row against the area tree and the sites already
stored, so the preview shows exactly what `apply_import` (in services.py) will do — or every row in
error with its reason, in which case nothing is written at all.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.keygroups.names import GroupNames
from fieldapp.keygroups.services import active_key_groups, current_marks
from fieldapp.models import Area, Site, User, mask_name
from fieldapp.models.sites import mask_phone
from fieldapp.roster.files import RosterFile, read_roster
from fieldapp.roster.mapping import area_defaults, defaults_used, label_sources, remembered_mapping
from fieldapp.roster.values import normalise, site_values

#: Fields an import may change on a site already stored. An empty cell keeps what is stored.
UPDATABLE = ("floor", "residents", "kind", "status", "contact_phone", "householder", "lat", "lon")
#: A site's key-group marks (重点人群) in a plan: the ids of active groups. A non-empty cell replaces the marks
#: (the sheet is the roster); an empty one keeps them; "无" removes them. Marks of archived groups stay as they are.
KEY_GROUPS = "key_groups"
#: Personal cells an exported roster shows masked (138****1234; 张某 or 欧阳某: a surname and 某): such a cell
#: keeps what is stored.
MASKED = (("phone", "contact_phone", mask_phone), ("householder", "householder", mask_name))


@dataclass
class ImportPlan:
    """What an import would do. `errors` non-empty means it will write nothing."""

    rows: int = 0
    #: New sites: column values plus "building" (an Area id, or a tuple of names for an area to create).
    adds: list[dict] = field(default_factory=list)
    #: (site id, {field: new value}, {field: old value}, where); KEY_GROUPS, when the marks change, holds the
    #: sorted tuple of group ids after and before.
    updates: list[tuple[int, dict, dict, str]] = field(default_factory=list)
    unchanged: int = 0
    #: (where, reason): rows refused; `where` is the line, or "sheet · line" in a file of several sheets.
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: (where, note): accepted, but changed on the way in (full-width digits)
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: Grids and buildings to create, as name paths from the station down.
    new_areas: list[tuple[str, ...]] = field(default_factory=list)
    #: The door each update changes, by line, for the preview: {7: "3号楼 1-502"}.
    doors: dict[str, str] = field(default_factory=dict)
    #: The file as read: its columns and how each is mapped, the rows skipped (with why), merged cells filled.
    file: RosterFile | None = None
    #: {header key: field or ""} chosen by hand on the preview (kept in the job; remembered once imported).
    chosen: dict[str, str] = field(default_factory=dict)
    #: The fields no column gives, filled from the importer's own area: {"station": "甲派出所", ...}.
    defaults: dict[str, str] = field(default_factory=dict)
    #: {id: name} of the key groups a cell may name (the active ones), for the preview and the audit trail.
    key_group_names: dict[int, str] = field(default_factory=dict)

    def marks_named(self, group_ids) -> str:
        """Key groups by name, as the roster writes them: "独居老人、学生"."""
        return "、".join(self.key_group_names[i] for i in sorted(group_ids))

    def marks_changed(self, before, after) -> tuple[str, str]:
        """(marks added, marks removed) by name, for the preview's change summary."""
        return self.marks_named(set(after) - set(before)), self.marks_named(set(before) - set(after))

    @property
    def missing(self) -> list[str]:
        """Required fields no column gives: the preview asks for a column to be mapped to each."""
        return self.file.missing if self.file else []

    @property
    def asks_mapping(self) -> bool:
        """The preview shows the columns to map: a required field lacks one, or a column is not read by its
        header alone (not matched, remembered, chosen). Never a silent guess."""
        return bool(self.missing) or any(column.source != "header" for column in self.file.columns)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.missing and self.rows > 0


class AreaIndex:
    """The area tree under a root, looked up by (parent id, name), with new areas planned by name path."""

    def __init__(self, root: Area, user: User | None):
        self.root, self.user = root, user
        areas = db.session.scalars(select(Area).where(Area.within(root))).all()
        self.by_parent = {(area.parent_id, area.name): area for area in areas}
        self.planned: dict[tuple[str, ...], str] = {}

    def visible(self, area: Area) -> bool:
        return self.user is None or self.user.can_see(area)

    def child(self, parent_id, name: str, *levels: str) -> Area | None:
        area = self.by_parent.get((parent_id, name))
        return area if area is not None and area.level in levels else None

    def building(self, values: dict[str, str]):
        """The building's id, or its name path when it is to be created; raises LookupError with the reason."""
        names = (values["station"], values["community"], values.get("grid", ""), values["building"])
        unknown = _l("Unknown area “%(path)s”, or not in your area.", path=" › ".join(n for n in names if n))
        station = self.child(self.root.id, names[0], "station")
        community = station and self.child(station.id, names[1], "community")
        if community is None:
            raise LookupError(unknown)
        parent, path = community, names[:2]
        if names[2]:
            grid = self.child(community.id, names[2], "grid")
            path = names[:3]
            if grid is None:
                if not self.visible(community):
                    raise LookupError(unknown)
                return self.plan((*path, names[3]))
            parent = grid
        building = self.child(parent.id, names[3], "building")
        if building is None:
            if not self.visible(parent):
                raise LookupError(unknown)
            return self.plan((*path, names[3]))
        if not self.visible(building):
            raise LookupError(unknown)
        return building.id

    def plan(self, path: tuple[str, ...]) -> tuple[str, ...]:
        self.planned.setdefault(path, "")
        return path


def existing_sites(building_ids: set[int]) -> dict[tuple[int, str, str], Site]:
    ids, found = sorted(building_ids), {}
    for start in range(0, len(ids), 500):
        for site in db.session.scalars(select(Site).where(Site.building_id.in_(ids[start : start + 500]))):
            found[(site.building_id, site.unit, site.room)] = site
    return found


def plan_import(
    data: bytes,
    filename: str,
    root: Area,
    user: User | None,
    progress: Callable[[int], None] | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportPlan:
    """Read the file and decide, row by row, what importing it would do. Writes nothing.

    `mapping` ({header key: field or ""}) is what was chosen by hand on the preview, over what was
    remembered for the user's area; a user at community level or below may leave out their own station
    and community."""
    plan, index = ImportPlan(chosen=dict(mapping or {})), AreaIndex(root, user)
    remembered = remembered_mapping(user.area_id if user else None)
    plan.file = read_roster(data, filename, {**remembered, **plan.chosen}, area_defaults(user))
    label_sources(plan.file, plan.chosen)
    plan.defaults = defaults_used(plan.file)
    if plan.missing:
        return plan  # nothing to check row by row until every required field has a column
    names = GroupNames(active_key_groups())
    plan.key_group_names = {group.id: group.name for group in names.groups}
    parsed, seen = [], {}
    for row in plan.file.rows():
        line, values = row.where, dict(row.values)
        plan.rows += 1
        if progress and plan.rows % 1000 == 0:
            progress(plan.rows)
        masked = masked_cells(values)
        site, problems = site_values(values)
        problems = row.problems + problems
        named = names.read(values.get(KEY_GROUPS))
        if named.unknown:
            problems.append(names.unknown_message(named.unknown))
        elif named.given:
            site[KEY_GROUPS] = tuple(sorted(named.ids))
        building = None
        if all(values.get(key) for key in ("station", "community", "building")):
            try:
                building = index.building(values)
            except LookupError as error:
                problems.append(error.args[0])
        if building is not None and not problems:
            key = (building, site["unit"], site["room"])
            if key in seen:
                problems.append(
                    _l(
                        "Room %(room)s of %(building)s appears twice (also on line %(line)s).",
                        room=f"{site['unit']}-{site['room']}" if site["unit"] else site["room"],
                        building=values["building"],
                        line=seen[key],
                    )
                )
            else:
                seen[key] = line
        if problems:
            plan.errors.append((line, "；".join(str(problem) for problem in problems)))
            continue
        plan.notes += [(line, note) for note in row.notes]
        parsed.append((line, building, site, values["building"], masked))

    plan.new_areas = list(index.planned)
    stored = existing_sites({building for _line, building, *_rest in parsed if isinstance(building, int)})
    marked = [
        stored.get((building, site["unit"], site["room"])) for _l, building, site, *_r in parsed if KEY_GROUPS in site
    ]
    marks = current_marks([current.id for current in marked if current is not None], plan.key_group_names)
    for line, building, site, building_name, masked in parsed:
        current = stored.get((building, site["unit"], site["room"])) if isinstance(building, int) else None
        if refused := masked_problem(masked, current):
            plan.errors.append((line, refused))
            continue
        if current is None:
            plan.adds.append({"building": building, "line": line, **site})
            continue
        changes = {key: site[key] for key in UPDATABLE if key in site and site[key] != getattr(current, key)}
        before = {key: getattr(current, key) for key in changes}
        marked = tuple(sorted(marks.get(current.id, ())))
        if KEY_GROUPS in site and site[KEY_GROUPS] != marked:
            changes[KEY_GROUPS], before[KEY_GROUPS] = site[KEY_GROUPS], marked
        if changes:
            plan.updates.append((current.id, changes, before, line))
            door = f"{site['unit']}-{site['room']}" if site["unit"] else site["room"]
            plan.doors[line] = f"{building_name} {door}"
        else:
            plan.unchanged += 1
    return plan


def masked_cells(values: dict[str, str]) -> dict[str, str]:
    """Take out of `values` the phone and householder cells written masked (an exported roster): {site field: text}.

    Such a cell is checked against what is stored (`masked_problem`), never read as a number or a name."""
    masked = {}
    for column, name, _mask in MASKED:
        text = normalise(values.get(column))
        if text and ("*" in text if column == "phone" else text.endswith("某") and len(text) <= 3):
            masked[name] = text
            values[column] = ""
    return masked


def masked_problem(masked: dict[str, str], current: Site | None) -> str | None:
    """A masked cell keeps what is stored when it is that value masked; otherwise the row is refused."""
    for _column, name, mask in MASKED:
        if name in masked and (current is None or mask(getattr(current, name)) != masked[name]):
            return str(
                _l(
                    "“%(value)s” is shown masked and is not what is stored for this door: give it in full, or leave"
                    " the cell empty.",
                    value=masked[name],
                )
            )
    return None
