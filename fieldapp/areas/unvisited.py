"""The unvisited list (未入户名单): which doors of an area still wait for a talk, for the page and for printing.

One rule for both: a resident household (in use, household, occupied or newly moved in) that no visit
has covered yet. The export walks the same doors in the same order as the page, a batch at a time.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.labels import LEVELS, OUTCOMES, SITE_FIELDS, SITE_KINDS
from fieldapp.models import RESIDENT_STATUSES, Area, Site, Visit, door_label, in_use, mask_name
from fieldapp.reports.exports import EXPORT_BATCH, area_names_above
from fieldapp.visits.queries import latest_visit_ids

#: The order a team walks: building by building, then unit, floor and room.
WALK_ORDER = (Area.path, Site.unit, Site.floor, Site.room)


def unvisited_sites(area: Area, *columns):
    """SQL: the resident households under `area` nobody has talked to yet (`columns`, else whole sites)."""
    return (
        select(*(columns or (Site,)))
        .select_from(Site)
        .join(Area, Area.id == Site.building_id)
        .where(
            Area.within(area),
            in_use(),
            Site.kind == "household",
            Site.status.in_(RESIDENT_STATUSES),
            Site.covered_by_visit_id.is_(None),
        )
    )


UNVISITED_COLUMNS = {
    "station": LEVELS["station"],
    "community": LEVELS["community"],
    "grid": LEVELS["grid"],
    "building": LEVELS["building"],
    "door": _l("Door"),
    "floor": SITE_FIELDS["floor"],
    "kind": SITE_FIELDS["kind"],
    "residents": SITE_FIELDS["residents"],
    "householder": _l("Householder (surname)"),
    "last_day": _l("Last knocked"),
    "last_outcome": _l("Last outcome"),
    "note": _l("Notes"),
}


def unvisited_header() -> list[str]:
    return [str(label) for label in UNVISITED_COLUMNS.values()]


def unvisited_title(area: Area, day) -> str:
    """The line above the header on a printed list: what, where and as of when."""
    return _("Not yet visited: %(area)s, as of %(day)s", area=area.name, day=day.isoformat())


def last_attempts(site_ids: list[int]) -> dict[int, tuple]:
    """{site id: (day, outcome) of its latest visit not taken back} (a door knocked on but not yet talked to)."""
    latest = latest_visit_ids(Visit.site_id.in_(site_ids))
    rows = db.session.execute(select(Visit.site_id, Visit.day, Visit.outcome).where(Visit.id.in_(latest)))
    return {site_id: (day, outcome) for site_id, day, outcome in rows}


def unvisited_records(area: Area):
    """Each unvisited door as a list of UNVISITED_COLUMNS values, in walking order, a batch at a time.

    No phone number, and the householder only as a surname (张某): the list is printed and carried.
    """
    outcomes = {code: str(label) for code, label in OUTCOMES.items()}
    kinds = {code: str(label) for code, label in SITE_KINDS.items()}
    names_above = area_names_above(area)
    query = unvisited_sites(
        area,
        Site.id,
        Area.path,
        Area.name,
        Site.unit,
        Site.room,
        Site.floor,
        Site.kind,
        Site.residents,
        Site.householder,
    ).order_by(*WALK_ORDER)
    batches = db.session.execute(query.execution_options(yield_per=EXPORT_BATCH)).partitions()
    for batch in batches:
        attempts = last_attempts([row[0] for row in batch])
        for site_id, path, building, unit, room, floor, kind, residents, householder in batch:
            last_day, last_outcome = attempts.get(site_id, (None, None))
            yield [
                *names_above(path),
                building,
                door_label(unit, room),
                floor,
                kinds.get(kind, kind),
                residents,
                mask_name(householder),
                last_day,
                outcomes.get(last_outcome, last_outcome),
                None,
            ]
