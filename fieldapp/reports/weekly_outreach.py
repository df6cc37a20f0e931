"""The weekly report beyond the door: outreach events (宣讲), warnings followed up (预警劝阻) and the shops,
enterprises and schools swept (扫街 / 扫企), for the reporting area and ranked per station, community and grid as
the door-to-door tables are (weekly_rankings.ranked_levels).

Events are read from their daily rollups; warnings (tens a week per station) and sites of the other kinds (a few
per building) are counted by the same functions the area page uses, so the report and the page agree. Everything
returned is plain data: a published report keeps it as it was.
"""

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from fieldapp.events.counting import EVENT_SUMS
from fieldapp.events.summary import week_and_to_date
from fieldapp.keygroups.coverage import OTHER_KINDS, kind_counts
from fieldapp.models import Area
from fieldapp.reports.weekly_rankings import Week, rank_rows, ranked_first, ranked_levels
from fieldapp.warnings.deadlines import WarningFigures, warning_figures

#: The periods every figure here is given for: the report's week, and from the campaign's first day.
PERIODS = ("week", "to_date")
#: What a warnings cell holds.
WARNING_SUMS = ("received", "on_time", "late", "pending")
#: A warnings table's last row: the warnings left above the table's level (never routed below it).
UNROUTED = _l("Not yet routed")


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _sum_periods(rows: list[dict], names) -> dict:
    return {period: {name: sum(row[period][name] for row in rows) for name in names} for period in PERIODS}


# Events (宣讲) ---------------------------------------------------------------------------------------------------


def event_tables(levels: list, week: Week) -> list[dict]:
    """Per ranked level that counted an event to date: each area's events and their figures (people reached,
    materials, installs and registrations on the spot) this week and to date, ranked by people reached to date
    (人次), ties by name."""
    tables = []
    for level, areas, parents in levels:
        sums = week_and_to_date([a.id for a in areas], week.start, week.end, week.since)
        rows = [{"name": a.name, "parent": parents.get(a.parent_id, ""), **sums[a.id]} for a in areas]
        totals = _sum_periods(rows, EVENT_SUMS)
        if not totals["to_date"]["events"]:
            continue  # e.g. the grids, when every event was held at a community: a table of noughts says nothing
        rank_rows(rows, lambda r: r["to_date"]["people_reached"], "rank")
        rows.sort(key=lambda r: r["rank"])
        tables.append({"kind": level, "rows": rows, "totals": totals})
    return tables


# Warnings (预警劝阻) -----------------------------------------------------------------------------------------------


def _warning_cell(figures: WarningFigures) -> dict:
    """A warnings cell as stored: the counts, and the on-time rate (WarningFigures.rate) to two decimals."""
    cell = {name: getattr(figures, name) for name in WARNING_SUMS}
    rate = figures.rate
    cell["rate"] = round(rate, 2) if rate is not None else None
    return cell


def _figures(cells: list[dict]) -> WarningFigures:
    """The sum of warnings cells, whose rate is then worked out again (never summed)."""
    return WarningFigures(**{name: sum(cell[name] for cell in cells) for name in WARNING_SUMS})


def unrouted_rows(table: dict) -> list[dict]:
    """A table's "not yet routed" row as a row like the others (none when it has none): the page's and the files'
    last row before the totals. Reports published before it have none."""
    return [{"name": str(UNROUTED), "parent": "", **table["unrouted"]}] if "unrouted" in table else []


def warning_summary(area: Area, week: Week) -> dict:
    """The area's own warnings this week and to date."""
    return {
        "week": _warning_cell(warning_figures(area, [], week.start, week.end)[0]),
        "to_date": _warning_cell(warning_figures(area, [], week.since, week.end)[0]),
    }


def warning_tables(area: Area, levels: list, week: Week) -> list[dict]:
    """Per ranked level: the areas that received warnings (this week or to date), ranked by this week's on-time
    follow-up rate as stations are judged (ties by name; none decided this week: no rank, listed last). Warnings
    inside `area` but in none of the level's areas (left at a level above, never routed below it) are the table's
    "unrouted" row, so that its rows add up to the area's own figures."""
    tables = []
    for level, areas, parents in levels:
        found, unrouted = {}, {}
        for period, first_day in (("week", week.start), ("to_date", week.since)):
            total, ranked = warning_figures(area, areas, first_day, week.end)
            for row in ranked:
                found.setdefault(row.area.id, {})[period] = _warning_cell(row.figures)
            listed = _figures([_warning_cell(row.figures) for row in ranked])
            rest = {name: getattr(total, name) - getattr(listed, name) for name in WARNING_SUMS}
            unrouted[period] = _warning_cell(WarningFigures(**rest))
        if not found and not unrouted["to_date"]["received"]:
            continue
        empty = _warning_cell(WarningFigures())
        rows = [
            {
                "name": a.name,
                "parent": parents.get(a.parent_id, ""),
                **{period: found[a.id].get(period, empty) for period in PERIODS},
            }
            for a in areas
            if a.id in found
        ]
        rank_rows(rows, lambda r: r["week"]["rate"], "rank")
        rows.sort(key=ranked_first)
        table = {"kind": level, "rows": rows}
        every = rows
        if unrouted["to_date"]["received"]:
            table["unrouted"] = unrouted
            every = [*rows, unrouted]
        table["totals"] = {p: _warning_cell(_figures([row[p] for row in every])) for p in PERIODS}
        tables.append(table)
    return tables


# Shops, enterprises, schools (扫街 / 扫企) -----------------------------------------------------------------------


def _kind_cells(counts: dict[str, dict[str, int]]) -> dict:
    """{kind: {total, week, to_date, percent}} for each other kind, and "all" of them together; percent is the
    share talked to since the campaign's first day."""
    cells = {}
    for kind in OTHER_KINDS:
        cell = counts.get(kind, {"total": 0, "week": 0, "to_date": 0})
        cells[kind] = {**cell, "percent": _percent(cell["to_date"], cell["total"])}
    every = {name: sum(cells[kind][name] for kind in OTHER_KINDS) for name in ("total", "week", "to_date")}
    cells["all"] = {**every, "percent": _percent(every["to_date"], every["total"])}
    return cells


def site_kinds(area: Area, levels: list, week: Week) -> dict:
    """The area's shops, enterprises and schools (how many, talked to this week, to date) and, per ranked level,
    the areas that have any, ranked by the share of them talked to (ties by name). Households are never here:
    their coverage is the door-to-door tables'."""
    periods = {"week": (week.start, week.end), "to_date": (week.since, week.end)}
    every_area = [area, *(a for _level, areas, _parents in levels for a in areas)]
    counts = kind_counts(area, every_area, periods)
    tables = []
    for level, areas, parents in levels:
        rows = [
            {"name": a.name, "parent": parents.get(a.parent_id, ""), "kinds": _kind_cells(counts[a.id])}
            for a in areas
            if counts[a.id]
        ]
        if not rows:
            continue
        rank_rows(rows, lambda r: r["kinds"]["all"]["percent"], "rank")
        rows.sort(key=ranked_first)
        totals = {
            kind: {name: sum(row["kinds"][kind][name] for row in rows) for name in ("total", "week", "to_date")}
            for kind in (*OTHER_KINDS, "all")
        }
        for cell in totals.values():
            cell["percent"] = _percent(cell["to_date"], cell["total"])
        tables.append({"kind": level, "rows": rows, "totals": {"kinds": totals}})
    return {"summary": _kind_cells(counts[area.id]), "tables": tables}


def warning_part(area: Area, levels_of: Callable[[], list], week: Week) -> dict:
    """The report's warnings (预警劝阻): the area's figures and each level's ranked table. Read afresh on every use
    of a kept report too, since whether a warning is late moves with the clock."""
    summary = warning_summary(area, week)
    # None received to date: every level's table would be left out, so the 4,000 grids are neither read nor ranked.
    return {
        "warnings": summary,
        "warning_tables": warning_tables(area, levels_of(), week) if summary["to_date"]["received"] else [],
    }


def weekly_outreach(area: Area, week: Week) -> dict:
    """What build_weekly adds beside door-to-door: the area's own events are data["events"][0]."""
    levels = list(ranked_levels(area))  # (level, its areas, their parents' names), read once for every table
    return {
        "event_tables": event_tables(levels, week),
        **warning_part(area, lambda: levels, week),
        "sites": site_kinds(area, levels, week),
    }
