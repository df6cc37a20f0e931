"""Counting a visit into the tallies, in the same transaction as the visit itself.

Every visit moves one DailyTally row for its building and for each area above it, and its
volunteer's (and team's) UserDailyTally row, so pages read sums and never count raw visits.
The first counted talk at a household covers it (入户); the household's row is locked while
deciding, so a concurrent undo or rejection either sees this visit or is seen by it.
"""

from functools import cache

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm.attributes import set_committed_value

from fieldapp.database import locked_rows
from fieldapp.extensions import db
from fieldapp.models import (
    FULL_TRUST,
    TALLY_FIELDS,
    TRUST_FIELDS,
    Area,
    DailyTally,
    ProgramDailyTally,
    Site,
    UserDailyTally,
    Visit,
)
from fieldapp.models.reports import forget_weeks_counting
from fieldapp.periods import week_bounds
from fieldapp.site_kinds import contribution, talk_days
from fieldapp.visits.clock import local_today


def trust_deltas(score: int) -> dict[str, int]:
    """What a visit of this trust score adds to its volunteer's day: the points it lost, and whether it lost any."""
    return {"trust_lost": FULL_TRUST - score, "flagged": int(score < FULL_TRUST)}


def visit_deltas(visit: Visit, newly_covered: bool, sign: int = 1) -> dict[str, int]:
    """What one visit adds to its building's day and its volunteer's (sign=-1 takes it away again); the trust
    sums go to the volunteer's row only."""
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
        **trust_deltas(visit.trust_score if visit.trust_score is not None else FULL_TRUST),
    }
    return {name: sign * value for name, value in deltas.items()}


KEYS = {DailyTally: ("area_id", "day"), UserDailyTally: ("user_id", "team_id", "day")}
#: The sums each rollup table holds.
FIELDS = {DailyTally: TALLY_FIELDS, UserDailyTally: (*TALLY_FIELDS, *TRUST_FIELDS)}


@cache
def _upsert_statement(model):
    """One upsert per rollup table, built once: it adds every sum (no read-modify-write race).

    Written as SQL text because INSERT ... ON CONFLICT DO UPDATE reads the same on SQLite and
    PostgreSQL, and because SQLAlchemy's dialect upsert constructs are never cached: compiling them
    on every visit cost more than running them (profiled).
    """
    table = model.__table__
    keys, columns = KEYS[model], (*KEYS[model], *FIELDS[model])
    # Only our own table and column names go into the text; every value is a bound parameter.
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + name for name in columns)})"  # noqa: S608
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in FIELDS[model])
    )
    return text(sql).bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns))


def _upsert_sums(model, keys: list[dict], deltas: dict[str, int]) -> None:
    """Add `deltas` to the rollup rows named by `keys`, in the given order, in one executemany."""
    sums = {name: deltas.get(name, 0) for name in FIELDS[model]}
    db.session.connection().execute(_upsert_statement(model), [{**key, **sums} for key in keys])


@cache
def _building_path_statement():
    return select(Area.path).where(Area.id == bindparam("id")).with_for_update(read=True, key_share=True)


def building_and_above(visit: Visit) -> list[int]:
    """The ids of the visit's building and every area above it, as they are now, in id order.

    Read under a key-share lock on the building: moving an area locks its subtree for update, so a move
    either committed before (and its new path is read here) or waits for this visit's transaction."""
    path = db.session.connection().scalar(_building_path_statement(), {"id": visit.building_id})
    return sorted(int(part) for part in path.strip("/").split("/") if part)


def bump_tallies(visit: Visit, deltas: dict[str, int]) -> None:
    """Move every rollup a visit feeds: the day of its building and of each area above it,
    and its volunteer's (and team's) day. Rows are always taken in the same order: the volunteer's, then the areas' by
    id. The areas' come last because every visit in the district moves the district's row of the day: held from
    here to the commit, the shorter the better (a visit's caller commits next)."""
    areas = [{"area_id": area_id, "day": visit.day} for area_id in building_and_above(visit)]
    _upsert_sums(UserDailyTally, [{"user_id": visit.user_id, "team_id": visit.team_id or 0, "day": visit.day}], deltas)
    _upsert_sums(DailyTally, areas, deltas)
    this_week = week_bounds(local_today())[0]
    if visit.day < this_week:  # a late change to a week that is over: its kept report and the later weeks' are stale
        forget_weeks_counting(visit.day, this_week)


def bump_trust(visit: Visit, old_score: int) -> None:
    """A counted visit's score changed (a signal added or dropped after it was counted): move its volunteer's
    trust sums from the old score to the new one, in the caller's transaction."""
    if visit.counts_in_tallies and visit.trust_score != old_score:
        old, new = trust_deltas(old_score), trust_deltas(visit.trust_score)
        key = {"user_id": visit.user_id, "team_id": visit.team_id or 0, "day": visit.day}
        _upsert_sums(UserDailyTally, [key], {name: new[name] - old[name] for name in TRUST_FIELDS})


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
        db.session.connection().execute(_PROGRAM_UPSERT, rows)


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
def _talked_statement():
    """One UPDATE of the three columns a talk moves (SQL text, built once, as the upserts above)."""
    table = Site.__table__
    names = ("first_talk_on", "last_talk_on", "covered_by_visit_id")
    sql = f"UPDATE {table.name} SET {', '.join(f'{name} = :{name}' for name in names)} WHERE id = :id"  # noqa: S608
    return text(sql).bindparams(*(bindparam(name, type_=table.c[name].type) for name in (*names, "id")))


def write_talked(site: Site, first_talk_on, last_talk_on, covered_by_visit_id) -> None:
    """Set a locked site's talk days and coverage. Where the shops', enterprises' and schools' rollups move with
    them (site_kinds.contribution changes), through the ORM's flush, whose hook moves them; else (a household, by
    far the most visits) one UPDATE, and the object keeps the values as written (no unit of work on the submit)."""
    values = {"first_talk_on": first_talk_on, "last_talk_on": last_talk_on, "covered_by_visit_id": covered_by_visit_id}
    before = contribution(site.building_id, site.kind, site.status, site.first_talk_on, site.last_talk_on)
    if before != contribution(site.building_id, site.kind, site.status, first_talk_on, last_talk_on):
        for name, value in values.items():
            setattr(site, name, value)
        db.session.flush()
        return
    db.session.connection().execute(_talked_statement(), {**values, "id": site.id})
    for name, value in values.items():
        set_committed_value(site, name, value)


def count_visit(visit: Visit, site: Site) -> None:
    """Add a visit to its rollups; the first counted talk at a household covers the household. A talk widens the
    site's first and last talk days (the rollups of shops, enterprises and schools follow them: site_kinds.py)."""
    newly_covered = False
    if visit.outcome == "talked":
        site = lock_site(site.id)
        first, last, covered = site.first_talk_on, site.last_talk_on, site.covered_by_visit_id
        first = visit.day if first is None or visit.day < first else first
        last = visit.day if last is None or visit.day > last else last
        if site.kind == "household" and covered is None:
            covered, newly_covered = visit.id, True
        # A door talked to again the same day changes nothing: nothing written on that submit.
        if (first, last, covered) != (site.first_talk_on, site.last_talk_on, site.covered_by_visit_id):
            write_talked(site, first, last, covered)
    bump_tallies(visit, visit_deltas(visit, newly_covered))
    bump_program_tallies(visit)


def change_kind(site: Site, kind: str) -> Site:
    """Give a site another kind (a roster corrected), under its lock as a talk there takes it. A household is covered
    by its first counted talk and a shop, enterprise or school never is: the coverage and the households-covered
    rollups of the covering talk's day follow. The locked site (what the caller should go on changing)."""
    site = lock_site(site.id)
    site.kind = kind
    if kind == "household" and site.covered_by_visit_id is None:
        covering = _first_counted_talk(site.id)
        if covering is not None:
            site.covered_by_visit_id = covering.id
            bump_tallies(covering, {"households_covered": 1})
    elif kind != "household" and site.covered_by_visit_id is not None:
        covering = db.session.get(Visit, site.covered_by_visit_id)
        site.covered_by_visit_id = None
        bump_tallies(covering, {"households_covered": -1})
    return site


def _first_counted_talk(site_id: int, leaving_visit_id: int | None = None) -> Visit | None:
    """The talk that covers a household: its first that counts (the one being taken out left aside)."""
    talks = select(Visit).where(Visit.site_id == site_id, Visit.outcome == "talked", Visit.counts_in_tallies)
    if leaving_visit_id is not None:
        talks = talks.where(Visit.id != leaving_visit_id)
    return db.session.scalar(talks.order_by(Visit.id).limit(1))


def uncount_visit(visit: Visit, site: Site) -> None:
    """Take a visit out of the tallies; if it covered its household, the next talk there covers it. A talk on the
    site's first or last talk day makes the site's other talks say which days those are now."""
    lost_coverage = site.covered_by_visit_id == visit.id
    bump_tallies(visit, visit_deltas(visit, lost_coverage, sign=-1))
    bump_program_tallies(visit, sign=-1)
    if visit.outcome == "talked" and visit.day in (site.first_talk_on, site.last_talk_on):
        site.first_talk_on, site.last_talk_on = talk_days(site.id, leaving_visit_id=visit.id)
        db.session.flush()
    if not lost_coverage:
        return
    successor = _first_counted_talk(site.id, leaving_visit_id=visit.id)
    site.covered_by_visit_id = successor.id if successor else None
    if successor:
        bump_tallies(successor, {"households_covered": 1})
    db.session.flush()
