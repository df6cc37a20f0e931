"""Shops, enterprises and schools (扫街 / 扫企) of each area: how many, and how many were talked to on any days.

Two rollups, moved in the same flush as the sites and visits they count, so a district page reads a few rows
instead of asking about each of its 80,000 such sites whether a visit talked to it (373 ms at 1M sites, SQLite):
- `area_kind_counts`: per area and kind, its sites not moved out (like the resident counters of site_counts.py);
- `area_daily_kind_tallies`: per area, kind and day, the sites whose first counted talk was that day, and those
  whose last was. Each site keeps its first and last talk day (`Site.first_talk_on` / `last_talk_on`, set by
  visits/counting.py); a change to them, to the kind, the status or the building moves the rows here (the
  before_flush hook), from the building up to the district.

Sites talked to from day F to day L = those whose first talk came by L, less those whose last came before F, less
the few talked to before F and after L but not between (read from the sites themselves: none while L is today).
Archived areas keep their rows, as the daily rollups do; a page takes them off when it reads (in_use's rule).
`kind_differences` checks everything against a recount.
"""

from datetime import date

from sqlalchemy import bindparam, case, event, func, select, text
from sqlalchemy.orm import Session, aliased

from fieldapp.extensions import db
from fieldapp.models import OTHER_KINDS, Area, AreaKindCount, KindDailyTally, Site, Visit, archived_along, in_use

_COUNT_UPSERT = text(
    "INSERT INTO area_kind_counts (area_id, kind, sites) VALUES (:area_id, :kind, :sites)"
    " ON CONFLICT (area_id, kind) DO UPDATE SET sites = area_kind_counts.sites + excluded.sites"
)
_TALK_UPSERT = text(
    "INSERT INTO area_daily_kind_tallies (area_id, kind, day, first_talks, last_talks)"
    " VALUES (:area_id, :kind, :day, :first_talks, :last_talks) ON CONFLICT (area_id, kind, day) DO UPDATE SET"
    " first_talks = area_daily_kind_tallies.first_talks + excluded.first_talks,"
    " last_talks = area_daily_kind_tallies.last_talks + excluded.last_talks"
).bindparams(bindparam("day", type_=db.Date))


def contribution(building_id, kind, status, first_talk_on, last_talk_on) -> tuple | None:
    """What a site in this state adds to the rollups: (building, kind, first talk day, last talk day), or None
    (a household, or moved out)."""
    if kind not in OTHER_KINDS or status == "moved_out" or building_id is None:
        return None
    return building_id, kind, first_talk_on, last_talk_on


def move_kind_rollups(session: Session, changes: list[tuple[tuple | None, int]]) -> None:
    """Add each (contribution, sign) to the rows of its building and every area above it, in key order."""
    counts: dict[tuple, int] = {}
    talks: dict[tuple, list[int]] = {}
    for found, sign in changes:
        if found is None:
            continue
        building_id, kind, first, last = found
        # session.get: the in-memory building, whose path may not be written to the database yet.
        for area_id in session.get(Area, building_id).ancestor_ids:
            counts[(area_id, kind)] = counts.get((area_id, kind), 0) + sign
            for day, position in ((first, 0), (last, 1)):
                if day is not None:
                    talks.setdefault((area_id, kind, day), [0, 0])[position] += sign
    count_rows = [{"area_id": a, "kind": k, "sites": n} for (a, k), n in sorted(counts.items()) if n]
    talk_rows = [
        {"area_id": a, "kind": k, "day": d, "first_talks": f, "last_talks": la}
        for (a, k, d), (f, la) in sorted(talks.items())
        if f or la
    ]
    if count_rows:
        session.execute(_COUNT_UPSERT, count_rows)
    if talk_rows:
        session.execute(_TALK_UPSERT, talk_rows)


def _old(site: Site, name: str):
    history = db.inspect(site).attrs[name].history
    return history.deleted[0] if history.deleted else getattr(site, name)


_FIELDS = ("building_id", "kind", "status", "first_talk_on", "last_talk_on")


def _move_site_kinds(session: Session, _context, _instances) -> None:
    changes = []
    for site in session.new:
        if isinstance(site, Site):
            changes.append((contribution(*(getattr(site, name) for name in _FIELDS)), 1))
    for site in session.dirty:
        if isinstance(site, Site) and session.is_modified(site, include_collections=False):
            before = contribution(*(_old(site, name) for name in _FIELDS))
            after = contribution(*(getattr(site, name) for name in _FIELDS))
            if before != after:  # e.g. a household covered, a phone edited: nothing here moves
                changes += [(before, -1), (after, 1)]
    for site in session.deleted:
        if isinstance(site, Site):
            changes.append((contribution(*(_old(site, name) for name in _FIELDS)), -1))
    move_kind_rollups(session, changes)


def install_events() -> None:
    """Keep the rollups moving with every flush; the app factory calls it (once is enough)."""
    if not event.contains(Session, "before_flush", _move_site_kinds):
        event.listen(Session, "before_flush", _move_site_kinds)


def count_inserted_kinds(rows: list[dict]) -> None:
    """For sites inserted in bulk (bypassing the ORM, e.g. a roster import): count them in too (no talks yet)."""
    found = [
        contribution(row["building_id"], row.get("kind") or "household", row.get("status"), None, None) for row in rows
    ]
    move_kind_rollups(db.session, [(one, 1) for one in found])


def talk_days(site_id: int, leaving_visit_id: int | None = None) -> tuple[date | None, date | None]:
    """(first, last) day of the site's counted talks, without the visit being taken out of the tallies."""
    query = select(func.min(Visit.day), func.max(Visit.day)).where(
        Visit.site_id == site_id, Visit.outcome == "talked", Visit.counts_in_tallies
    )
    if leaving_visit_id is not None:
        query = query.where(Visit.id != leaving_visit_id)
    return tuple(db.session.execute(query).one())


# Reading ---------------------------------------------------------------------------------------------------------


def kind_counts(root: Area, areas: list[Area], periods: dict[str, tuple]) -> dict[int, dict[str, dict[str, int]]]:
    """{area id: {kind: {"total": sites, period: talked to in that period's (first, last) days}}} for the shops,
    enterprises and schools (not moved out) in `root`, for each of `areas` (inside `root`); a kind with none is
    left out, and so is everything in an archived area. Read from the rollups: each area's rows, less those of the
    archived areas below it."""
    counts: dict[int, dict[str, dict[str, int]]] = {area.id: {} for area in areas}
    if archived_along(root) is not None:
        return counts
    archived = db.session.scalars(select(Area).where(Area.within(root), Area.archived_at.is_not(None))).all()
    ids = sorted({area.id for area in areas} | {area.id for area in archived})
    figures: dict[tuple[int, str], dict[str, int]] = {}
    for area_id, kind, sites in db.session.execute(
        select(AreaKindCount.area_id, AreaKindCount.kind, AreaKindCount.sites).where(AreaKindCount.area_id.in_(ids))
    ):
        figures[(area_id, kind)] = {"total": sites, **dict.fromkeys(periods, 0)}
    sums = []
    for first_day, last_day in periods.values():
        came = (
            KindDailyTally.first_talks
            if last_day is None
            else case((KindDailyTally.day <= last_day, KindDailyTally.first_talks), else_=0)
        )
        went = 0 if first_day is None else case((KindDailyTally.day < first_day, KindDailyTally.last_talks), else_=0)
        sums.append(func.coalesce(func.sum(came - went), 0))
    for area_id, kind, *talked in db.session.execute(
        select(KindDailyTally.area_id, KindDailyTally.kind, *sums)
        .where(KindDailyTally.area_id.in_(ids))
        .group_by(KindDailyTally.area_id, KindDailyTally.kind)
    ):
        cell = figures.setdefault((area_id, kind), {"total": 0, **dict.fromkeys(periods, 0)})
        for name, value in zip(periods, talked, strict=True):
            cell[name] += int(value)
    for area in areas:
        if any(area.path.startswith(other.path) for other in archived):  # archived, or inside an archived area
            continue
        below = [other for other in archived if other.path.startswith(area.path)]
        topmost = [other for other in below if not any(other.path.startswith(b.path) and b is not other for b in below)]
        for kind in OTHER_KINDS:
            cell = dict(figures.get((area.id, kind), {"total": 0, **dict.fromkeys(periods, 0)}))
            for other in topmost:
                for name, value in figures.get((other.id, kind), {}).items():
                    cell[name] -= value
            if cell["total"] > 0:
                counts[area.id][kind] = cell
    _take_off_untalked_between(root, counts, periods)
    return counts


def _take_off_untalked_between(root: Area, counts: dict, periods: dict[str, tuple]) -> None:
    """The rollups count a site talked to before a period and after it as talked to in it: take off those not
    talked to in it, read from the sites (none while a period ends today: no talk comes after it)."""
    from fieldapp.keygroups.coverage import talked_between  # here: keygroups reads this module

    for name, (first_day, last_day) in periods.items():
        if first_day is None or last_day is None:
            continue
        rows = db.session.execute(
            select(Area.path, Site.kind, func.count(Site.id))
            .join(Area, Area.id == Site.building_id)
            .where(
                Site.last_talk_on > last_day,
                Site.first_talk_on < first_day,
                Site.kind.in_(OTHER_KINDS),
                Site.status != "moved_out",
                Area.within(root),
                in_use(Area),
                ~talked_between(first_day, last_day),
            )
            .group_by(Area.path, Site.kind)
        )
        for path, kind, missed in rows:
            for area_id in (int(part) for part in path.strip("/").split("/") if part):
                if kind in counts.get(area_id, {}):
                    counts[area_id][kind][name] -= missed


# Building and checking -------------------------------------------------------------------------------------------


def rebuild_kind_rollups() -> None:
    """Fill the sites' talk days and both rollups from the visits and sites, set-based (bench/generate.py's bulk
    load; the migration holds the same statements, frozen). The rollup tables must be empty."""
    for statement in REBUILD:
        db.session.execute(text(statement))


#: The statements of rebuild_kind_rollups, for SQLite 3.33+ and PostgreSQL alike. Each level's rows are carried to
#: the parent, building first, so every area adds up what lies below it; then summed into the rollups.
REBUILD = (
    """UPDATE sites SET first_talk_on = talks.first_day, last_talk_on = talks.last_day FROM (
        SELECT site_id, MIN(day) AS first_day, MAX(day) AS last_day FROM visits
        WHERE outcome = 'talked' AND undone_at IS NULL AND review_status != 'rejected' GROUP BY site_id
    ) AS talks WHERE sites.id = talks.site_id""",
    "CREATE TEMPORARY TABLE kind_rows (area_id INTEGER, kind VARCHAR(16), day DATE, sites INTEGER,"
    " first_talks INTEGER, last_talks INTEGER)",
    """INSERT INTO kind_rows SELECT building_id, kind, NULL, COUNT(*), 0, 0 FROM sites
        WHERE kind IN ('shop', 'enterprise', 'school') AND status != 'moved_out' GROUP BY building_id, kind""",
    """INSERT INTO kind_rows SELECT building_id, kind, first_talk_on, 0, COUNT(*), 0 FROM sites
        WHERE kind IN ('shop', 'enterprise', 'school') AND status != 'moved_out' AND first_talk_on IS NOT NULL
        GROUP BY building_id, kind, first_talk_on""",
    """INSERT INTO kind_rows SELECT building_id, kind, last_talk_on, 0, 0, COUNT(*) FROM sites
        WHERE kind IN ('shop', 'enterprise', 'school') AND status != 'moved_out' AND last_talk_on IS NOT NULL
        GROUP BY building_id, kind, last_talk_on""",
    *(
        f"""INSERT INTO kind_rows SELECT areas.parent_id, k.kind, k.day, k.sites, k.first_talks, k.last_talks
        FROM kind_rows k JOIN areas ON areas.id = k.area_id
        WHERE areas.level = '{level}' AND areas.parent_id IS NOT NULL"""  # noqa: S608 (our own level names)
        for level in ("building", "grid", "community", "station")
    ),
    """INSERT INTO area_kind_counts (area_id, kind, sites) SELECT area_id, kind, SUM(sites) FROM kind_rows
        WHERE day IS NULL GROUP BY area_id, kind""",
    """INSERT INTO area_daily_kind_tallies (area_id, kind, day, first_talks, last_talks)
        SELECT area_id, kind, day, SUM(first_talks), SUM(last_talks) FROM kind_rows
        WHERE day IS NOT NULL GROUP BY area_id, kind, day""",
    "DROP TABLE kind_rows",
)


def kind_differences(ancestors: dict[int, list[int]]) -> list[str]:
    """The sites' talk days and both rollups against a recount from the visits and sites (none expected)."""
    problems = []
    talks = aliased(
        select(Visit.site_id.label("site_id"), func.min(Visit.day).label("first"), func.max(Visit.day).label("last"))
        .where(Visit.outcome == "talked", Visit.counts_in_tallies)
        .group_by(Visit.site_id)
        .subquery()
    )
    expected_counts: dict[tuple, int] = {}
    expected_talks: dict[tuple, list[int]] = {}
    rows = db.session.execute(
        select(
            Site.id,
            Site.building_id,
            Site.kind,
            Site.status,
            Site.first_talk_on,
            Site.last_talk_on,
            talks.c.first,
            talks.c.last,
        ).outerjoin(talks, talks.c.site_id == Site.id)
    )
    for site_id, building_id, kind, status, first, last, recount_first, recount_last in rows:
        if (first, last) != (recount_first, recount_last):
            problems.append(f"site {site_id}: talks kept {first}–{last}, {recount_first}–{recount_last} by recount")
        if contribution(building_id, kind, status, first, last) is None:
            continue
        for area_id in ancestors[building_id]:
            expected_counts[(area_id, kind)] = expected_counts.get((area_id, kind), 0) + 1
            for day, position in ((recount_first, 0), (recount_last, 1)):
                if day is not None:
                    expected_talks.setdefault((area_id, kind, day), [0, 0])[position] += 1
    stored_counts = {(row.area_id, row.kind): row.sites for row in db.session.scalars(select(AreaKindCount))}
    stored_talks = {
        (row.area_id, row.kind, row.day): [row.first_talks, row.last_talks]
        for row in db.session.scalars(select(KindDailyTally))
    }
    for key in sorted(set(expected_counts) | set(stored_counts), key=str):
        if expected_counts.get(key, 0) != stored_counts.get(key, 0):
            problems.append(
                f"kinds {key}: {stored_counts.get(key, 0)} sites kept, {expected_counts.get(key, 0)} by recount"
            )
    for key in sorted(set(expected_talks) | set(stored_talks), key=str):
        if expected_talks.get(key, [0, 0]) != stored_talks.get(key, [0, 0]):
            problems.append(
                f"kind talks {key}: {stored_talks.get(key, [0, 0])} kept, {expected_talks.get(key)} by recount"
            )
    return problems
