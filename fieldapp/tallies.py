"""Tallies: the daily rollups written with each visit, and the sums every page reads from them.

Pages never count raw visits while a user waits: they sum DailyTally rows of the buildings
under an area (found by materialized path). `recount_differences` is the slow, honest
check that the rollups equal a recount of the visits themselves.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from fieldapp.extensions import db
from fieldapp.models import RESIDENT_STATUSES, TALLY_FIELDS, Area, DailyTally, Site, Target, Visit


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


def bump_daily_tally(building_id: int, day: date, deltas: dict[str, int]) -> None:
    """Add `deltas` to one building-day row with a single upsert (no read-modify-write race)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = DailyTally.__table__
    statement = insert(table).values(building_id=building_id, day=day, **deltas)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.building_id, table.c.day],
        set_={name: table.c[name] + statement.excluded[name] for name in deltas},
    )
    db.session.execute(statement)


@dataclass
class Totals:
    """The figures a station reports, for one area over one period."""

    resident_households: int = 0
    residents: int = 0
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TALLY_FIELDS, 0))
    targets: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name):
        if name in TALLY_FIELDS:
            return self.sums[name]
        raise AttributeError(name)

    @property
    def coverage(self) -> float | None:
        """入户率: distinct households visited / resident households, as a percentage."""
        if not self.resident_households:
            return None
        return 100.0 * self.sums["households_covered"] / self.resident_households

    def percent_of_target(self, measure: str) -> float | None:
        """完成任务: e.g. 103.03 (%) of the installs handed down."""
        target = self.targets.get(measure)
        if not target:
            return None
        return 100.0 * self.sums[measure] / target


def area_totals(area: Area, first_day: date | None = None, last_day: date | None = None) -> Totals:
    """Sum the rollups of every building under `area` between two days (inclusive)."""
    return child_totals_for([area], first_day, last_day)[area.id]


def child_totals_for(
    areas: list[Area], first_day: date | None = None, last_day: date | None = None
) -> dict[int, Totals]:
    """Totals for several areas at once (e.g. the children of a station), three queries in all."""
    totals = {area.id: Totals() for area in areas}
    if not areas:
        return totals
    ids = [area.id for area in areas]
    parent = aliased(Area)
    building = aliased(Area)
    under = and_(building.path.startswith(parent.path), parent.id.in_(ids))

    conditions = [under]
    if first_day:
        conditions.append(DailyTally.day >= first_day)
    if last_day:
        conditions.append(DailyTally.day <= last_day)
    sums = db.session.execute(
        select(parent.id, *[func.coalesce(func.sum(getattr(DailyTally, name)), 0) for name in TALLY_FIELDS])
        .select_from(DailyTally)
        .join(building, building.id == DailyTally.building_id)
        .join(parent, under)
        .where(*conditions)
        .group_by(parent.id)
    )
    for row in sums:
        totals[row[0]].sums = dict(zip(TALLY_FIELDS, (int(value) for value in row[1:]), strict=True))

    households = db.session.execute(
        select(parent.id, func.count(Site.id), func.coalesce(func.sum(Site.residents), 0))
        .select_from(Site)
        .join(building, building.id == Site.building_id)
        .join(parent, under)
        .where(Site.kind == "household", Site.status.in_(RESIDENT_STATUSES))
        .group_by(parent.id)
    )
    for area_id, count, residents in households:
        totals[area_id].resident_households = count
        totals[area_id].residents = int(residents)

    for target in db.session.scalars(select(Target).where(Target.area_id.in_(ids))):
        totals[target.area_id].targets[target.measure] = target.value
    return totals


def recount_differences() -> list[str]:
    """Recount every building-day from raw visits and list where the rollups disagree (none expected)."""
    recount: dict[tuple[int, date], dict[str, int]] = {}

    def row_for(key):
        return recount.setdefault(key, dict.fromkeys(TALLY_FIELDS, 0))

    for visit in db.session.scalars(select(Visit).where(Visit.undone_at.is_(None))).yield_per(5000):
        row = row_for((visit.building_id, visit.day))
        for name, value in visit_deltas(visit, newly_covered=False).items():
            row[name] += value

    problems = []
    covering = db.session.execute(
        select(Site.id, Site.kind, Visit.id, Visit.site_id, Visit.outcome, Visit.building_id, Visit.day).join(
            Visit, Visit.id == Site.covered_by_visit_id
        )
    )
    for site_id, kind, visit_id, visit_site_id, outcome, building_id, day in covering:
        if visit_site_id != site_id or outcome != "talked" or kind != "household":
            problems.append(f"site {site_id}: covered by visit {visit_id}, which cannot cover it")
        row_for((building_id, day))["households_covered"] += 1

    uncovered_but_talked = db.session.scalars(
        select(Site.id)
        .join(Visit, Visit.site_id == Site.id)
        .where(
            Site.kind == "household",
            Site.covered_by_visit_id.is_(None),
            Visit.outcome == "talked",
            Visit.undone_at.is_(None),
        )
        .distinct()
    )
    problems += [f"site {site_id}: talked to but not counted as covered" for site_id in uncovered_but_talked]

    stored = {
        (row.building_id, row.day): {name: getattr(row, name) for name in TALLY_FIELDS}
        for row in db.session.scalars(select(DailyTally))
    }
    zero = dict.fromkeys(TALLY_FIELDS, 0)
    for key in sorted(set(recount) | set(stored)):
        expected, actual = recount.get(key, zero), stored.get(key, zero)
        for name in TALLY_FIELDS:
            if expected[name] != actual[name]:
                problems.append(
                    f"building {key[0]} on {key[1]}: {name} is {actual[name]} in the rollup,"
                    f" {expected[name]} by recount"
                )
    return problems
