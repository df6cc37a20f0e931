"""Counting a visit into the tallies, in the same transaction as the visit itself.

Every visit moves one DailyTally row for its building and for each area above it, and its
volunteer's (and team's) UserDailyTally row, so pages read sums and never count raw visits.
The first counted talk at a household covers it (入户); the household's row is locked while
deciding, so a concurrent undo or rejection either sees this visit or is seen by it.
"""

from functools import cache

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from fieldapp.database import locked_rows
from fieldapp.extensions import db
from fieldapp.models import TALLY_FIELDS, Area, DailyTally, ProgramDailyTally, Site, UserDailyTally, Visit


def visit_deltas(visit: Visit, newly_covered: bool, sign: int = 1) -> dict[str, int]:
    """What one visit adds to its building's day (sign=-1 takes it away again)."""
    deltas = {
        "visits": 1,
        "talked": int(visit.outcome == "talked"),
        "households_covered": int(newly_covered),
        "people_reached": visit.people_reached,
        "app_installs": visit.app_installs,
        "realname_regs": visit.realname_regs,
        "miniprogram_regs": visit.miniprogram_regs,
        "notices_signed": int(visit.notice_signed),
        "receipts_collected": int(visit.receipt_collected),
    }
    return {name: sign * value for name, value in deltas.items()}


KEYS = {DailyTally: ("area_id", "day"), UserDailyTally: ("user_id", "team_id", "day")}


@cache
def _upsert_statement(model):
    """One upsert per rollup table, built once: it adds every sum (no read-modify-write race).

    Written as SQL text because INSERT ... ON CONFLICT DO UPDATE reads the same on SQLite and
    PostgreSQL, and because SQLAlchemy's dialect upsert constructs are never cached: compiling them
    on every visit cost more than running them (profiled).
    """
    table = model.__table__
    keys, columns = KEYS[model], (*KEYS[model], *TALLY_FIELDS)
    # Only our own table and column names go into the text; every value is a bound parameter.
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + name for name in columns)})"  # noqa: S608
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in TALLY_FIELDS)
    )
    return text(sql).bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns))


def _upsert_sums(model, keys: list[dict], deltas: dict[str, int]) -> None:
    """Add `deltas` to the rollup rows named by `keys`, in the given order, in one executemany."""
    sums = {name: deltas.get(name, 0) for name in TALLY_FIELDS}
    db.session.execute(_upsert_statement(model), [{**key, **sums} for key in keys])


@cache
def _building_path_statement():
    return select(Area.path).where(Area.id == bindparam("id")).with_for_update(read=True, key_share=True)


def building_and_above(visit: Visit) -> list[int]:
    """The ids of the visit's building and every area above it, as they are now, in id order.

    Read under a key-share lock on the building: moving an area locks its subtree for update, so a move
    either committed before (and its new path is read here) or waits for this visit's transaction."""
    path = db.session.scalar(_building_path_statement(), {"id": visit.building_id})
    return sorted(int(part) for part in path.strip("/").split("/") if part)


def bump_tallies(visit: Visit, deltas: dict[str, int]) -> None:
    """Move every rollup a visit feeds: the day of its building and of each area above it,
    and its volunteer's (and team's) day. Rows are always taken in the same (id) order."""
    areas = [{"area_id": area_id, "day": visit.day} for area_id in building_and_above(visit)]
    _upsert_sums(DailyTally, areas, deltas)
    _upsert_sums(UserDailyTally, [{"user_id": visit.user_id, "team_id": visit.team_id or 0, "day": visit.day}], deltas)


_PROGRAM_TABLE = ProgramDailyTally.__tablename__
_PROGRAM_UPSERT = text(
    f"INSERT INTO {_PROGRAM_TABLE} (area_id, day, mini_program_id, regs)"  # noqa: S608
    " VALUES (:area_id, :day, :mini_program_id, :regs)"
    f" ON CONFLICT (area_id, day, mini_program_id) DO UPDATE SET regs = {_PROGRAM_TABLE}.regs + excluded.regs"
)


def bump_program_tallies(visit: Visit, sign: int = 1) -> None:
    """Move the per-mini-program rollups of the visit's building and every area above it."""
    entries = sorted(visit.program_regs, key=lambda entry: entry.mini_program_id)
    if not entries:
        return
    area_ids = building_and_above(visit)
    rows = [
        {"area_id": area_id, "day": visit.day, "mini_program_id": entry.mini_program_id, "regs": sign * entry.regs}
        for entry in entries
        for area_id in area_ids
    ]
    if rows:
        db.session.execute(_PROGRAM_UPSERT, rows)


@cache
def _lock_site_statement():
    """Built once, like the path above: every visit recorded runs them."""
    return select(Site).where(Site.id == bindparam("id")).with_for_update().execution_options(populate_existing=True)


def lock_site(site_id: int) -> Site:
    """The site row, locked until commit, so undo and correction never race a new visit's coverage."""
    locked = locked_rows(db.session(), Site)
    if site_id in locked:  # already ours in this transaction (recording a visit locks it twice): nobody else wrote it
        return db.session.get(Site, site_id)
    site = db.session.scalar(_lock_site_statement(), {"id": site_id})
    locked.add(site_id)
    return site


@cache
def _cover_statement():
    sites = Site.__table__
    return update(sites).where(sites.c.id == bindparam("site_id")).values(covered_by_visit_id=bindparam("visit_id"))


def count_visit(visit: Visit, site: Site) -> None:
    """Add a visit to its rollups; the first counted talk at a household covers the household."""
    newly_covered = False
    if visit.outcome == "talked" and site.kind == "household":
        site = lock_site(site.id)
        if site.covered_by_visit_id is None:
            # One UPDATE, not a flush of the session's unit of work (every first talk at a door runs it); the
            # loaded door is told, so the confirmation shows it covered without reading it again.
            db.session.connection().execute(_cover_statement(), {"site_id": site.id, "visit_id": visit.id})
            set_committed_value(site, "covered_by_visit_id", visit.id)
            newly_covered = True
    bump_tallies(visit, visit_deltas(visit, newly_covered))
    bump_program_tallies(visit)


def uncount_visit(visit: Visit, site: Site) -> None:
    """Take a visit out of the tallies; if it covered its household, the next talk there covers it."""
    lost_coverage = site.covered_by_visit_id == visit.id
    bump_tallies(visit, visit_deltas(visit, lost_coverage, sign=-1))
    bump_program_tallies(visit, sign=-1)
    if not lost_coverage:
        return
    successor = db.session.scalar(
        select(Visit)
        .where(Visit.site_id == site.id, Visit.id != visit.id, Visit.outcome == "talked", Visit.counts_in_tallies)
        .order_by(Visit.id)
        .limit(1)
    )
    site.covered_by_visit_id = successor.id if successor else None
    if successor:
        bump_tallies(successor, {"households_covered": 1})
    db.session.flush()
