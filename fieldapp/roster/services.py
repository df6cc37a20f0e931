"""The writes of a building's roster: add, edit, mark moved out, apply an import, and a household's personal
data (read the phone, export, erase). The caller commits."""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from fieldapp.areas.services import add_area
from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.keygroups.services import mark_new_sites, replace_marks
from fieldapp.models import Area, Site, User, Visit, mask_name
from fieldapp.models.sites import mask_phone
from fieldapp.refusals import Refused
from fieldapp.roster.imports import KEY_GROUPS, ImportPlan, plan_import
from fieldapp.roster.mapping import remember_mapping
from fieldapp.site_counts import count_inserted_sites
from fieldapp.visits.counting import change_kind

#: What the roster form edits, and what the audit trail records of a site.
ROSTER_FIELDS = ("unit", "floor", "room", "residents", "kind", "status", "contact_phone", "householder")
#: Rows inserted per statement (and per progress step) when importing.
CHUNK = 1000


class RosterRefused(Refused):
    """The change to a roster breaks a rule; `problems` says which, per form field."""


class RosterChanged(Refused):
    """A file that previewed cleanly no longer does (the roster changed since): nothing was imported."""

    def __init__(self, errors: int):
        super().__init__(
            _l("The roster changed since the preview; nothing was imported. Upload the file again."), field="file"
        )
        self.errors = errors


@dataclass
class SiteInput:
    unit: str
    room: str
    floor: int | None
    residents: int
    kind: str
    status: str
    contact_phone: str | None
    householder: str | None = None


#: Personal fields the audit trail keeps only masked (the trail is read by many).
MASKS = {"contact_phone": mask_phone, "householder": mask_name}


def snapshot(site: Site) -> dict:
    """A site as the audit trail keeps it; the phone and the householder only masked."""
    return masked({name: getattr(site, name) for name in ROSTER_FIELDS})


def masked(facts: dict) -> dict:
    """Site facts with the phone and the householder masked, for the audit trail."""
    return {name: MASKS[name](value) if name in MASKS else value for name, value in facts.items()}


def check_room_free(building: Area, unit: str, room: str, site_id: int | None = None) -> None:
    clash = db.session.scalar(
        select(Site.id).where(Site.building_id == building.id, Site.unit == unit, Site.room == room, Site.id != site_id)
    )
    if clash is not None:
        raise RosterRefused({"room": _l("This building already has that room in that unit.")})


def add_site(building: Area, data: SiteInput) -> Site:
    """A household (or shop...) the roster lacked, e.g. someone who just moved in; audited."""
    check_room_free(building, data.unit, data.room)
    site = Site(building_id=building.id, **vars(data))
    db.session.add(site)
    db.session.flush()
    audit("site.create", site, after=snapshot(site))
    return site


def update_site(site: Site, data: SiteInput) -> bool:
    """Change a site's roster facts; audited with before and after. False when nothing changed."""
    check_room_free(site.building, data.unit, data.room, site.id)
    before = snapshot(site)
    if data.kind != site.kind:
        site = change_kind(site, data.kind)  # its coverage follows
    for name, value in vars(data).items():
        setattr(site, name, value)
    after = snapshot(site)
    if after == before and data.contact_phone == site.contact_phone and data.householder == site.householder:
        return False
    db.session.flush()
    audit("site.update", site, before=before, after=after)
    return True


def reveal_phone(site: Site) -> str | None:
    """The full number, for one look by someone who may see it (`may_see_phone`); audited in the
    caller's transaction, so every reading of a full number is on the trail."""
    audit("site.phone_read", site, after={"contact_phone": site.masked_phone})
    return site.contact_phone


def personal_data(site: Site) -> dict:
    """What the app holds about one household beyond its address: the householder, the phone, and the notes and GPS
    fixes of its visits (PIPL art. 45, a person's copy of their data). Counts are not personal."""
    visits = db.session.scalars(select(Visit).where(Visit.site_id == site.id).order_by(Visit.id)).all()
    return {
        "site_id": site.id,
        "building": site.building.name,
        "door": site.door_label,
        "residents": site.residents,
        "householder": site.householder,
        "contact_phone": site.contact_phone,
        "visits": [
            {
                "id": visit.id,
                "server_time": visit.server_time.isoformat(timespec="seconds"),
                "outcome": visit.outcome,
                "note": visit.note or "",
                "lat": visit.lat,
                "lon": visit.lon,
                "accuracy_m": visit.accuracy_m,
            }
            for visit in visits
        ],
    }


def erase_personal_data(site: Site) -> dict:
    """Erase a household's personal fields at its request: the householder, the phone, its visits' notes and GPS
    fixes. Outcomes, counts and flags stay, so every tally is unchanged; audited with what was erased."""
    visits = db.session.scalars(select(Visit).where(Visit.site_id == site.id)).all()
    erased = {
        "householder": site.masked_householder,
        "contact_phone": site.masked_phone,
        "notes": sum(1 for visit in visits if visit.note),
        "gps_fixes": sum(1 for visit in visits if visit.lat is not None or visit.accuracy_m is not None),
    }
    site.contact_phone, site.householder = None, None
    for visit in visits:
        visit.note, visit.lat, visit.lon, visit.accuracy_m = "", None, None, None
    db.session.flush()
    audit(
        "site.personal_erase",
        site,
        before=erased,
        after={"householder": "", "contact_phone": "", "notes": 0, "gps_fixes": 0},
    )
    return erased


def mark_moved_out(site: Site) -> None:
    """The household left: it no longer counts among the resident households; audited."""
    if site.status == "moved_out":
        return
    before = snapshot(site)
    site.status = "moved_out"
    audit("site.update", site, before=before, after=snapshot(site))


def import_roster(
    data: bytes,
    filename: str,
    root: Area,
    user: User | None,
    plan: ImportPlan | None = None,
    progress: Callable[[int, int], None] | None = None,
    mapping: dict[str, str] | None = None,
) -> dict:
    """Import a roster file: all rows or none. The one intent behind the page, the background job and the CLI.

    Plans the file (unless handed the plan just made and shown), refuses a plan with errors, writes the
    rest and returns its summary. `mapping`: the columns chosen by hand on the preview, remembered for the
    importer's area once imported. The caller commits.
    """
    plan = plan or plan_import(data, filename, root, user, mapping=mapping)
    if plan.errors:
        raise RosterChanged(len(plan.errors))
    summary = apply_import(plan, root, user, filename, progress)
    if plan.chosen and user is not None:
        remember_mapping(user.area, plan.chosen, user)
    return summary


def apply_import(
    plan: ImportPlan, root: Area, user: User | None, filename: str, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Write an error-free plan: create the planned grids and buildings, insert and update the sites.

    All of it in the caller's transaction, so it lands whole or not at all. Each update is audited
    with before and after; the import itself is one audit event with its counts.
    """
    if plan.errors:
        raise ValueError("a plan with errors is never applied")
    created = create_planned_areas(plan, root)
    total, done, marks = len(plan.adds) + len(plan.updates), 0, 0
    for start in range(0, len(plan.adds), CHUNK):
        chunk = plan.adds[start : start + CHUNK]
        rows = [site_row(row, created) for row in chunk]
        if any(row.get(KEY_GROUPS) for row in chunk):  # the new sites' ids, in the rows' order, to mark them
            ids = db.session.scalars(insert(Site).returning(Site.id, sort_by_parameter_order=True), rows).all()
            new_marks = {
                site_id: row[KEY_GROUPS] for site_id, row in zip(ids, chunk, strict=True) if row.get(KEY_GROUPS)
            }
            marks += mark_new_sites(new_marks, user)
        else:
            db.session.execute(insert(Site), rows)
        count_inserted_sites(rows)  # a bulk insert passes by the ORM hook that keeps area counts
        done += len(rows)
        if progress:
            progress(done, total)
    for site_id, changes, before, _line in plan.updates:
        site = db.session.get(Site, site_id)
        changes, before = dict(changes), dict(before)
        if KEY_GROUPS in changes:
            wanted, current = set(changes.pop(KEY_GROUPS)), set(before.pop(KEY_GROUPS))
            stamp(replace_marks(site, current, wanted, plan.key_group_names, user), user)
            marks += len(wanted ^ current)
        if "kind" in changes and changes["kind"] != site.kind:
            site = change_kind(site, changes["kind"])  # its coverage follows
        for name, value in changes.items():
            setattr(site, name, value)
        if changes:
            stamp(audit("site.update", site, before=masked(before), after=masked(changes)), user)
        done += 1
        if progress and done % CHUNK == 0:
            progress(done, total)
    db.session.flush()
    summary = {"file": filename, "added": len(plan.adds), "updated": len(plan.updates), "areas_added": len(created)}
    if marks:
        summary["key_group_marks"] = marks  # marks set or removed
    stamp(audit("sites.import", root, after=summary), user)
    # The result page links each new building to its door list and its tag sheet.
    summary["new_buildings"] = [{"id": area_id, "path": " › ".join(path)} for path, area_id in created.items()]
    if progress:
        progress(total, total)
    return summary


def stamp(event, user: User | None):
    """Name the importer also when the import runs outside a request (a background thread)."""
    if user is not None:
        event.user_id = user.id
    return event


def create_planned_areas(plan: ImportPlan, root: Area) -> dict[tuple[str, ...], int]:
    """The grids and buildings the file names but the tree lacks; returns {name path: building id}."""
    created: dict[tuple[str, ...], Area] = {}

    def find_or_add(parent: Area, name: str, level: str) -> Area:
        found = db.session.scalar(select(Area).where(Area.parent_id == parent.id, Area.name == name))
        return found or add_area(parent, level, name)

    for path in plan.new_areas:
        station = db.session.scalar(select(Area).where(Area.parent_id == root.id, Area.name == path[0]))
        parent = db.session.scalar(select(Area).where(Area.parent_id == station.id, Area.name == path[1]))
        if len(path) == 4:
            parent = created.get(path[:3]) or find_or_add(parent, path[2], "grid")
            created[path[:3]] = parent
        building = find_or_add(parent, path[-1], "building")
        audit("area.create", building, after={"path": " › ".join(path)})
        created[path] = building
    return {path: area.id for path, area in created.items() if area.level == "building"}


def site_row(row: dict, created: dict[tuple[str, ...], int]) -> dict:
    building = row["building"]
    return {
        "building_id": created[building] if isinstance(building, tuple) else building,
        "unit": row["unit"],
        "room": row["room"],
        "floor": row.get("floor"),
        "residents": row.get("residents") or 0,
        "kind": row.get("kind") or "household",
        "status": row.get("status") or "occupied",
        "contact_phone": row.get("contact_phone"),
        "householder": row.get("householder"),
        "lat": row.get("lat"),
        "lon": row.get("lon"),
    }
