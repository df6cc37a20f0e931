"""The ranked tables of a weekly report: the stations, communities and grids under the reporting area, its teams and
its volunteers, each with this week's figures, the change from last week and the figures to date.

Areas are ranked by coverage (入户率, what the campaigns demand first), teams and volunteers by the households they
visited this week; ties go by name. Everything is read from the daily rollups, never from raw visits.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select, true

from fieldapp.extensions import db
from fieldapp.models import LEVEL_RANK, TALLY_FIELDS, Area, Campaign, Team, User, UserDailyTally
from fieldapp.tallies import Totals, child_totals_for

#: The levels a weekly report ranks, below the reporting area.
RANKED_LEVELS = ("station", "community", "grid")

#: The figures of every row, in the order the report shows them; mini-programs go after "miniprogram_regs".
FIXED_MEASURES = ("households_covered", "people_reached", "app_installs", "realname_regs", "miniprogram_regs")
LAST_MEASURES = ("notices_signed", "receipts_collected")
#: What a volunteer's and a team's daily rollups hold (no per-mini-program split there).
PEOPLE_MEASURES = (*FIXED_MEASURES, *LAST_MEASURES)

#: The measure whose % of target gives an area its second rank (安装完成率排名).
RANKED_TARGET = "app_installs"


@dataclass
class Week:
    """The days a report reads: this week, the week before, and "to date" from the campaign's first day."""

    start: date
    campaign: Campaign | None
    since: date | None  # None: every day on record (no campaign)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def previous_start(self) -> date:
        return self.start - timedelta(days=7)

    @property
    def previous_end(self) -> date:
        return self.start - timedelta(days=1)


def _rounded(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _figures(measures, now: Totals, week: Totals, last: Totals) -> dict[str, dict]:
    """{measure: {week, change, to_date, target, percent}}: target and percent only where a target is set."""
    figures = {}
    for measure in measures:
        cell = {
            "week": week.figure(measure),
            "change": week.figure(measure) - last.figure(measure),
            "to_date": now.figure(measure),
        }
        if measure in now.targets:
            cell["target"] = now.targets[measure]
            cell["percent"] = _rounded(now.percent_of_target(measure))
        figures[measure] = cell
    return figures


def _coverage_cells(now: Totals, before: Totals) -> dict:
    coverage, previous = _rounded(now.coverage), _rounded(before.coverage)
    return {
        "resident_households": now.resident_households,
        "coverage": coverage,
        "coverage_change": None if coverage is None or previous is None else round(coverage - previous, 2),
    }


def area_figures(areas: list[Area], measures: list[str], week: Week) -> dict[int, dict]:
    """Per area: resident households, coverage and its change in points, and `_figures`, read in eight queries."""
    campaign = week.campaign
    # Resident households as they stood at the end of each week, not today's: a building that loses households
    # later changes neither this week's coverage nor last week's.
    now = child_totals_for(areas, first_day=week.since, last_day=week.end, campaign=campaign, as_of=week.end)
    before = child_totals_for(
        areas, first_day=week.since, last_day=week.previous_end, targets=False, as_of=week.previous_end
    )
    this = child_totals_for(areas, first_day=week.start, last_day=week.end, campaign=campaign)
    last = child_totals_for(areas, first_day=week.previous_start, last_day=week.previous_end, campaign=campaign)
    return {
        area.id: {
            **_coverage_cells(now[area.id], before[area.id]),
            "figures": _figures(measures, now[area.id], this[area.id], last[area.id]),
        }
        for area in areas
    }


def rank_rows(rows: list[dict], key, field: str) -> None:
    """Number the rows 1, 2, 3... in the order of `key` (highest first, ties by name); rows without a value get
    no rank."""
    ranked = [row for row in rows if key(row) is not None]
    for number, row in enumerate(sorted(ranked, key=lambda r: (-key(r), r["name"])), start=1):
        row[field] = number


def ranked_first(row: dict) -> tuple:
    """Sort key: ranked rows in rank order, then the unranked by name. (Not `rank or len(rows) + 1`: during
    list.sort() the list reads as empty, so that put every unranked row among the first.)"""
    return (row.get("rank") is None, row.get("rank") or 0, row["name"])


def _totals(rows: list[dict], measures: list[str]) -> dict:
    """The sums of a table; a total % of target counts only the rows that have a target."""
    resident = sum(row.get("resident_households") or 0 for row in rows)
    covered = sum(row["figures"]["households_covered"]["to_date"] for row in rows)
    totals = {"resident_households": resident, "coverage": round(100.0 * covered / resident, 2) if resident else None}
    figures = {}
    for measure in measures:
        cells = [row["figures"][measure] for row in rows]
        figures[measure] = {name: sum(cell[name] for cell in cells) for name in ("week", "change", "to_date")}
        with_target = [cell for cell in cells if "target" in cell]
        if with_target:
            target = sum(cell["target"] for cell in with_target)
            done = sum(cell["to_date"] for cell in with_target)
            figures[measure]["target"] = target
            figures[measure]["percent"] = round(100.0 * done / target, 2) if target else None
    totals["figures"] = figures
    return totals


def ranked_levels(area: Area):
    """(level, its areas below `area` in path order, {parent id: name}) for each ranked level that has areas: the
    rows of every ranked table (door-to-door, events, warnings, kinds of site)."""
    for level in RANKED_LEVELS:
        if LEVEL_RANK[level] <= LEVEL_RANK[area.level]:
            continue
        areas = db.session.scalars(select(Area).where(Area.level == level, Area.within(area)).order_by(Area.path)).all()
        if not areas:
            continue
        parents = dict(
            db.session.execute(select(Area.id, Area.name).where(Area.id.in_({a.parent_id for a in areas})))
            .tuples()
            .all()
        )
        yield level, areas, parents


def area_tables(area: Area, measures: list[str], week: Week) -> list[dict]:
    """One table per level below `area`, sorted by coverage, with a second rank by % of the install target."""
    tables = []
    for level, areas, parents in ranked_levels(area):
        figures = area_figures(areas, measures, week)
        rows = [{"name": a.name, "parent": parents.get(a.parent_id, ""), **figures[a.id]} for a in areas]
        rank_rows(rows, lambda r: r["coverage"], "rank")
        rank_rows(rows, lambda r: r["figures"][RANKED_TARGET].get("percent"), "target_rank")
        rows.sort(key=ranked_first)
        tables.append(
            {
                "kind": level,
                "measures": measures,
                "rows": rows,
                "totals": _totals(rows, measures),
                "target_measures": [m for m in measures if any("target" in r["figures"][m] for r in rows)],
            }
        )
    return tables


def _people_sums(group_column, week: Week, ids_filter):
    """{id: (to date Totals, this week Totals, last week Totals)} from the volunteers' daily rollups."""
    periods = {
        "to_date": UserDailyTally.day >= week.since if week.since else true(),
        "week": UserDailyTally.day >= week.start,
        "last": and_(UserDailyTally.day >= week.previous_start, UserDailyTally.day <= week.previous_end),
    }
    columns = [
        func.coalesce(func.sum(case((condition, getattr(UserDailyTally, measure)), else_=0)), 0)
        for condition in periods.values()
        for measure in PEOPLE_MEASURES
    ]
    first_day = min(week.since, week.previous_start) if week.since else None
    conditions = [UserDailyTally.day <= week.end, ids_filter]
    if first_day is not None:
        conditions.append(UserDailyTally.day >= first_day)
    found = {}
    for key, *values in db.session.execute(select(group_column, *columns).where(*conditions).group_by(group_column)):
        size = len(PEOPLE_MEASURES)
        found[key] = [
            Totals(sums={**dict.fromkeys(TALLY_FIELDS, 0), **dict(zip(PEOPLE_MEASURES, map(int, part), strict=True))})
            for part in (values[:size], values[size : 2 * size], values[2 * size :])
        ]
    return found


def _people_table(kind: str, named: dict[int, tuple[str, str]], sums: dict) -> dict:
    rows = []
    for key, (now, this, last) in sums.items():
        if key not in named or not any(any(t.sums.values()) for t in (now, this, last)):
            continue
        name, belongs_to = named[key]
        rows.append({"name": name, "parent": belongs_to, "figures": _figures(PEOPLE_MEASURES, now, this, last)})
    rank_rows(rows, lambda r: r["figures"]["households_covered"]["week"], "rank")
    rows.sort(key=lambda r: r["rank"])
    measures = list(PEOPLE_MEASURES)
    return {"kind": kind, "measures": measures, "rows": rows, "totals": _totals(rows, measures), "target_measures": []}


def people_tables(area: Area, week: Week) -> list[dict]:
    """The teams and the volunteers (by the name the app shows, never a phone number) of `area` who recorded
    visits in the campaign or last week, ranked by households visited this week."""
    teams = {
        team.id: (team.name, area_name)
        for team, area_name in db.session.execute(
            select(Team, Area.name).join(Area, Area.id == Team.area_id).where(Area.within(area))
        )
    }
    people = {
        user_id: (display_name, team_name or "")
        for user_id, display_name, team_name in db.session.execute(
            select(User.id, User.display_name, Team.name)
            .join(Area, Area.id == User.area_id)
            .outerjoin(Team, Team.id == User.team_id)
            .where(Area.within(area))
        )
    }
    team_sums = _people_sums(UserDailyTally.team_id, week, UserDailyTally.team_id.in_(list(teams) or [0]))
    user_sums = _people_sums(UserDailyTally.user_id, week, UserDailyTally.user_id.in_(list(people) or [0]))
    return [_people_table("team", teams, team_sums), _people_table("volunteer", people, user_sums)]
