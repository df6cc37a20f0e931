"""Tallies: the daily rollups written with each visit, and the sums every page reads from them.

Pages never count raw visits while a user waits: every visit moves one DailyTally row for its
building and for each area above it (visits/counting.py), so an area's figures are a sum over its own rows (one per
day), and its resident households are two counters kept on the area itself (site_counts.py).
`recount_differences` is the slow, honest check that the rollups equal a recount of the visits.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select

from fieldapp.extensions import db
from fieldapp.models import (
    TALLY_FIELDS,
    TRUST_FIELDS,
    Area,
    AreaCountChange,
    Campaign,
    DailyTally,
    ProgramDailyTally,
    Site,
    Target,
    Team,
    User,
    UserDailyTally,
    Visit,
    VisitProgramRegs,
)
from fieldapp.periods import current_campaign
from fieldapp.site_kinds import kind_differences
from fieldapp.visits.counting import visit_deltas


@dataclass
class Totals:
    """The figures a station reports, for one area over one period."""

    resident_households: int = 0
    residents: int = 0
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TALLY_FIELDS, 0))
    #: Set targets by measure (TARGET_MEASURES or a mini-program's "program:<id>"), for the campaign shown.
    targets: dict[str, int] = field(default_factory=dict)
    #: Registrations per mini-program id (read only where targets are: the pages that show them).
    program_regs: dict[int, int] = field(default_factory=dict)

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

    @property
    def realname_per_10k(self) -> float | None:
        """万人实名注册率: real-name registrations per 10,000 residents."""
        if not self.residents:
            return None
        return 10_000.0 * self.sums["realname_regs"] / self.residents

    def figure(self, measure: str) -> int:
        """The figure a target's measure counts: a sum, or one mini-program's registrations."""
        if measure.startswith("program:"):
            return self.program_regs.get(int(measure.removeprefix("program:")), 0)
        return self.sums[measure]

    def percent_of_target(self, measure: str) -> float | None:
        """完成任务: e.g. 103.03 (%) of the installs handed down."""
        target = self.targets.get(measure)
        if not target:
            return None
        return 100.0 * self.figure(measure) / target


def area_totals(
    area: Area,
    first_day: date | None = None,
    last_day: date | None = None,
    targets: bool = True,
    campaign: Campaign | None = None,
) -> Totals:
    """Sum the rollups of every building under `area` between two days (inclusive)."""
    return child_totals_for([area], first_day, last_day, targets, campaign)[area.id]


def child_totals_for(
    areas: list[Area],
    first_day: date | None = None,
    last_day: date | None = None,
    targets: bool = True,
    campaign: Campaign | None = None,
    as_of: date | None = None,
) -> dict[int, Totals]:
    """Totals for several areas at once (e.g. a station and its parts): three small queries in all (one
    without `targets`, as after each visit, where only the coverage is shown). Targets are those of
    `campaign`, the current campaign unless another is given. Resident counts are today's, or with `as_of`
    those at the end of that day (a past week's report)."""
    totals = {area.id: Totals(resident_households=area.resident_households, residents=area.residents) for area in areas}
    if not areas:
        return totals
    ids = list(totals)
    if as_of is not None:
        later = (
            select(AreaCountChange.area_id, func.sum(AreaCountChange.households), func.sum(AreaCountChange.residents))
            .where(AreaCountChange.area_id.in_(ids), AreaCountChange.day > as_of)
            .group_by(AreaCountChange.area_id)
        )
        for area_id, households, residents in db.session.execute(later):
            totals[area_id].resident_households -= int(households or 0)
            totals[area_id].residents -= int(residents or 0)
    sums = db.session.execute(
        _sums_statement(first_day is not None, last_day is not None),
        {"ids": ids, "first_day": first_day, "last_day": last_day},
    )
    for row in sums:
        totals[row[0]].sums = dict(zip(TALLY_FIELDS, (int(value) for value in row[1:]), strict=True))
    if targets:
        campaign = campaign or current_campaign()
        if campaign is not None:
            for area_id, measure, value in db.session.execute(
                select(Target.area_id, Target.measure, Target.value).where(
                    Target.campaign_id == campaign.id, Target.area_id.in_(ids)
                )
            ):
                totals[area_id].targets[measure] = value
        program_rows = select(
            ProgramDailyTally.area_id, ProgramDailyTally.mini_program_id, func.sum(ProgramDailyTally.regs)
        )
        program_rows = program_rows.where(ProgramDailyTally.area_id.in_(ids))
        if first_day is not None:
            program_rows = program_rows.where(ProgramDailyTally.day >= first_day)
        if last_day is not None:
            program_rows = program_rows.where(ProgramDailyTally.day <= last_day)
        for area_id, program_id, regs in db.session.execute(
            program_rows.group_by(ProgramDailyTally.area_id, ProgramDailyTally.mini_program_id)
        ):
            totals[area_id].program_regs[program_id] = int(regs or 0)
    return totals


@cache
def _sums_statement(since: bool, until: bool):
    """The rollup sums per area, built once per shape: every page and every visit's confirmation runs it."""
    conditions = [DailyTally.area_id.in_(bindparam("ids", expanding=True))]
    if since:
        conditions.append(DailyTally.day >= bindparam("first_day"))
    if until:
        conditions.append(DailyTally.day <= bindparam("last_day"))
    return select(DailyTally.area_id, *DailyTally.summed()).where(*conditions).group_by(DailyTally.area_id)


def recount_differences() -> list[str]:
    """Recount every rollup from raw visits (and events) and list where they disagree (none expected)."""
    from fieldapp.events.counting import event_differences  # here: the events package loads its pages

    by_building: dict[tuple, dict[str, int]] = {}
    by_user: dict[tuple, dict[str, int]] = {}

    def add(table, key, deltas):
        row = table.setdefault(key, dict.fromkeys((*TALLY_FIELDS, *TRUST_FIELDS), 0))
        for name, value in deltas.items():
            row[name] += value

    for visit in db.session.scalars(select(Visit).where(Visit.counts_in_tallies)).yield_per(5000):
        deltas = visit_deltas(visit, newly_covered=False)
        add(by_building, (visit.building_id, visit.day), deltas)
        add(by_user, (visit.user_id, visit.team_id or 0, visit.day), deltas)

    problems = []
    covering = db.session.execute(select(Site.id, Site.kind, Visit).join(Visit, Visit.id == Site.covered_by_visit_id))
    for site_id, kind, visit in covering:
        if visit.site_id != site_id or visit.outcome != "talked" or kind != "household" or not visit.counts_in_tallies:
            problems.append(f"site {site_id}: covered by visit {visit.id}, which cannot cover it")
        add(by_building, (visit.building_id, visit.day), {"households_covered": 1})
        add(by_user, (visit.user_id, visit.team_id or 0, visit.day), {"households_covered": 1})

    uncovered_but_talked = db.session.scalars(
        select(Site.id)
        .join(Visit, Visit.site_id == Site.id)
        .where(
            Site.kind == "household",
            Site.covered_by_visit_id.is_(None),
            Visit.outcome == "talked",
            Visit.counts_in_tallies,
        )
        .distinct()
    )
    problems += [f"site {site_id}: talked to but not counted as covered" for site_id in uncovered_but_talked]

    ancestors = {area.id: area.ancestor_ids for area in db.session.scalars(select(Area))}
    by_area: dict[tuple, dict[str, int]] = {}
    for (building_id, day), sums in by_building.items():
        for area_id in ancestors[building_id]:
            add(by_area, (area_id, day), sums)

    for label, model, key_names, fields, recount in (
        ("area", DailyTally, ("area_id", "day"), TALLY_FIELDS, by_area),
        ("volunteer", UserDailyTally, ("user_id", "team_id", "day"), (*TALLY_FIELDS, *TRUST_FIELDS), by_user),
    ):
        stored = {
            tuple(getattr(row, name) for name in key_names): {name: getattr(row, name) for name in fields}
            for row in db.session.scalars(select(model))
        }
        zero = dict.fromkeys(fields, 0)
        for key in sorted(set(recount) | set(stored), key=str):
            expected, actual = recount.get(key, zero), stored.get(key, zero)
            for name in fields:
                if expected[name] != actual[name]:
                    problems.append(
                        f"{label} {key}: {name} is {actual[name]} in the rollup, {expected[name]} by recount"
                    )
    return problems + _program_differences(ancestors) + event_differences(ancestors) + kind_differences(ancestors)


def _program_differences(ancestors: dict[int, list[int]]) -> list[str]:
    """The per-mini-program rollups against a recount of the counted visits' per-program rows."""
    recount: dict[tuple, int] = {}
    rows = db.session.execute(
        select(Visit.building_id, Visit.day, VisitProgramRegs.mini_program_id, VisitProgramRegs.regs)
        .join(VisitProgramRegs, VisitProgramRegs.visit_id == Visit.id)
        .where(Visit.counts_in_tallies)
    )
    for building_id, day, program_id, regs in rows:
        for area_id in ancestors[building_id]:
            recount[(area_id, day, program_id)] = recount.get((area_id, day, program_id), 0) + regs
    stored = {
        (row.area_id, row.day, row.mini_program_id): row.regs for row in db.session.scalars(select(ProgramDailyTally))
    }
    return [
        f"program {key}: regs is {stored.get(key, 0)} in the rollup, {recount.get(key, 0)} by recount"
        for key in sorted(set(recount) | set(stored), key=str)
        if stored.get(key, 0) != recount.get(key, 0)
    ]


def daily_series(area: Area, first_day: date, last_day: date) -> list[tuple[date, int, int]]:
    """(day, visits, installs) for each day under `area`, days without visits included as zeros."""
    rows = db.session.execute(
        select(DailyTally.day, DailyTally.visits, DailyTally.app_installs).where(
            DailyTally.area_id == area.id, DailyTally.day >= first_day, DailyTally.day <= last_day
        )
    )
    by_day = {day: (visits, installs) for day, visits, installs in rows}
    days = (last_day - first_day).days + 1
    return [(day, *by_day.get(day, (0, 0))) for day in (first_day + timedelta(days=offset) for offset in range(days))]


def people_totals(
    area: Area, first_day: date | None = None, last_day: date | None = None, limit: int | None = None, offset: int = 0
) -> dict:
    """Per volunteer and per team sums for the people bound inside `area`, the most installs first (ties by name),
    ranked in SQL: {"users": [...], "teams": [...], "user_count": n, "team_count": m}, each list `limit` rows
    from `offset` (all without a limit; the counts are of all). The days' rollup rows are summed once per owner
    before the join (a district's teams summed team by team re-read every row: 171 ms at 1M sites, SQLite)."""
    days = [UserDailyTally.day >= first_day] if first_day else []
    days += [UserDailyTally.day <= last_day] if last_day else []
    found = {}
    for name, model, owner, order_name in (
        ("users", User, UserDailyTally.user_id, User.display_name),
        ("teams", Team, UserDailyTally.team_id, Team.name),
    ):
        inside = select(model.id).join(Area, Area.id == model.area_id).where(Area.within(area))
        sums = (
            select(owner.label("owner"), *[func.sum(getattr(UserDailyTally, f)).label(f) for f in TALLY_FIELDS])
            .where(owner.in_(inside), *days)
            .group_by(owner)
            .subquery()
        )
        ranked = (
            select(model, *[getattr(sums.c, f) for f in TALLY_FIELDS])
            .join(sums, sums.c.owner == model.id)
            .join(Area, Area.id == model.area_id)
            .where(Area.within(area))
        )
        rows, found[name.removesuffix("s") + "_count"] = ranked_page(
            ranked.order_by(sums.c.app_installs.desc(), order_name), limit, offset
        )
        found[name] = [(row[0], {f: int(getattr(row, f) or 0) for f in TALLY_FIELDS}) for row in rows]
    return found


def ranked_page(ranked, limit: int | None, offset: int = 0) -> tuple[list, int]:
    """(rows, how many in all) of an ordered SELECT, `limit` rows from `offset`: the count in the same statement
    (COUNT(*) OVER (), before the LIMIT; also each row's last column, `_total`), apart only past the end."""
    rows = db.session.execute(ranked.add_columns(func.count().over().label("_total")).limit(limit).offset(offset)).all()
    if rows:
        return rows, rows[0]._total
    total = db.session.scalar(select(func.count()).select_from(ranked.order_by(None).subquery())) if offset else 0
    return [], total
