"""Keep each area's resident household and resident counts in step with its sites.

Every change to a Site through the ORM (added, edited, moved out, deleted) adjusts the counters
of its building and every area above it in the same flush, so area pages read two integers
instead of counting a million sites. `recount_site_differences` checks them against the sites.
"""

from sqlalchemy import event, exists, func, select, text, update
from sqlalchemy.orm import Session, aliased

from fieldapp.extensions import db
from fieldapp.models import RESIDENT_STATUSES, Area, Site
from fieldapp.site_kinds import count_inserted_kinds
from fieldapp.visits.clock import local_today


def _contribution(kind, status, residents) -> tuple[int, int]:
    # A new Site has no values yet where it relies on the column defaults.
    kind, status = kind or Site.kind.default.arg, status or Site.status.default.arg
    if kind == "household" and status in RESIDENT_STATUSES:
        return 1, residents or 0
    return 0, 0


def _old(site: Site, name: str):
    history = db.inspect(site).attrs[name].history
    return history.deleted[0] if history.deleted else getattr(site, name)


def _count_site_changes(session: Session, _context, _instances) -> None:
    changes: dict[int, list[int]] = {}

    def add(building_id, households, residents):
        if building_id is not None and (households or residents):
            total = changes.setdefault(building_id, [0, 0])
            total[0] += households
            total[1] += residents

    for site in session.new:
        if isinstance(site, Site):
            add(site.building_id, *_contribution(site.kind, site.status, site.residents))
    for site in session.dirty:
        if isinstance(site, Site) and session.is_modified(site, include_collections=False):
            before = _contribution(_old(site, "kind"), _old(site, "status"), _old(site, "residents"))
            after = _contribution(site.kind, site.status, site.residents)
            old_building = _old(site, "building_id")
            if (old_building, before) == (site.building_id, after):
                continue  # e.g. only covered_by_visit_id changed: no counter to touch, no row to lock
            add(old_building, -before[0], -before[1])
            add(site.building_id, *after)
    for site in session.deleted:
        if isinstance(site, Site):
            add(
                _old(site, "building_id"),
                *(-value for value in _contribution(_old(site, "kind"), _old(site, "status"), _old(site, "residents"))),
            )
    move_counts(session, changes)


def install_events() -> None:
    """Keep the counters moving with every flush; the app factory calls it (once is enough)."""
    if not event.contains(Session, "before_flush", _count_site_changes):
        event.listen(Session, "before_flush", _count_site_changes)


def count_inserted_sites(rows: list[dict]) -> None:
    """For sites inserted in bulk (bypassing the ORM, e.g. a roster import): move the counters too, and the
    counts of shops, enterprises and schools."""
    count_inserted_kinds(rows)
    changes: dict[int, list[int]] = {}
    for row in rows:
        households, residents = _contribution(row.get("kind"), row.get("status"), row.get("residents"))
        total = changes.setdefault(row["building_id"], [0, 0])
        total[0] += households
        total[1] += residents
    move_counts(db.session, changes)


def move_counts(session: Session, changes: dict[int, list[int]]) -> None:
    """Add {building id: [households, residents]} to each building and every area above it."""
    changes = {building: total for building, total in changes.items() if total != [0, 0]}
    if not changes:
        return
    per_area: dict[int, list[int]] = {}
    # session.get: the in-memory building, whose path may not be written to the database yet.
    chains = {building_id: session.get(Area, building_id).ancestor_ids for building_id in changes}
    archived = set(
        session.scalars(
            select(Area.id).where(Area.id.in_(set().union(*chains.values())), Area.archived_at.is_not(None))
        )
    )
    for building_id, (households, residents) in changes.items():
        for area_id in counted_in(chains[building_id], archived):
            total = per_area.setdefault(area_id, [0, 0])
            total[0] += households
            total[1] += residents
    # Always in the same (id) order, so concurrent writers never deadlock on area rows.
    for area_id in sorted(per_area):
        households, residents = per_area[area_id]
        session.execute(
            update(Area)
            .where(Area.id == area_id)
            .values(resident_households=Area.resident_households + households, residents=Area.residents + residents)
            .execution_options(synchronize_session=False)
        )
    record_count_changes(session, per_area)
    for area in session.identity_map.values():
        if isinstance(area, Area) and area.id in per_area:
            session.expire(area, ["resident_households", "residents"])


#: One statement for both databases (SQLite 3.24+ and PostgreSQL share ON CONFLICT ... DO UPDATE).
_ADD_CHANGE = text(
    "INSERT INTO area_count_changes (area_id, day, households, residents) VALUES (:area_id, :day, :households,"
    " :residents) ON CONFLICT (area_id, day) DO UPDATE SET households = area_count_changes.households +"
    " excluded.households, residents = area_count_changes.residents + excluded.residents"
)


def record_count_changes(session: Session, per_area: dict[int, list[int]]) -> None:
    """Add {area id: [households, residents]} to each area's changes of today, the history that lets a past
    week be reported with the counts it had (tallies.child_totals_for's `as_of`)."""
    day = local_today()
    rows = [
        {"area_id": area_id, "day": day, "households": households, "residents": residents}
        for area_id, (households, residents) in sorted(per_area.items())
        if households or residents
    ]
    if rows:
        session.execute(_ADD_CHANGE, rows)


def counted_in(ancestor_ids: list[int], archived: set[int]) -> list[int]:
    """The areas a building's households count in: itself and those above, up to the first archived one
    (an archived area keeps its own counts; the areas above it no longer hold them)."""
    counted = []
    for area_id in reversed(ancestor_ids):
        counted.append(area_id)
        if area_id in archived:
            break
    return counted


def recount_site_differences() -> list[str]:
    """Areas whose kept counts differ from a count of their sites (none expected)."""
    building, archived = aliased(Area), aliased(Area)
    counted = dict(
        (area_id, (households, int(residents)))
        for area_id, households, residents in db.session.execute(
            select(Area.id, func.count(Site.id), func.coalesce(func.sum(Site.residents), 0))
            .join(building, building.path.startswith(Area.path))
            .join(Site, Site.building_id == building.id)
            .where(
                Site.kind == "household",
                Site.status.in_(RESIDENT_STATUSES),
                # Not when an archived area lies between the building (included) and this area (excluded).
                ~exists().where(
                    archived.archived_at.is_not(None),
                    archived.id != Area.id,
                    archived.path.startswith(Area.path),
                    building.path.startswith(archived.path),
                ),
            )
            .group_by(Area.id)
        )
    )
    problems = []
    for area in db.session.scalars(select(Area)):
        expected = counted.get(area.id, (0, 0))
        if (area.resident_households, area.residents) != expected:
            problems.append(
                f"area {area.id} {area.name}: keeps {area.resident_households} households / {area.residents}"
                f" residents, its sites count {expected[0]} / {expected[1]}"
            )
    return problems
