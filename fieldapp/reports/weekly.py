"""The weekly report (周报): build it, publish it (its files then stored byte for byte), and its spreadsheets."""

import io
import re
from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.models import LEVEL_RANK, Area, User, WeeklyReport
from fieldapp.periods import campaign_days, current_campaign
from fieldapp.refusals import Refused
from fieldapp.reports.cells import BOM, csv_writer, workbook_bytes
from fieldapp.tallies import child_totals_for
from fieldapp.targets import measure_labels

#: The levels a weekly report ranks, below the reporting area.
RANKED_LEVELS = ("station", "community", "grid")


class AlreadyPublished(Refused):
    def __init__(self):
        super().__init__(_l("This week was already published; the published version stays as it was."))


def week_bounds(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week holding `day`."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def _change(now, before):
    return None if now is None or before is None else round(now - before, 2)


def build_weekly(area: Area, week_start: date) -> dict:
    """Ranked tables of the levels below `area`: coverage to date and installs this week, with week-over-week change."""
    week_end = week_start + timedelta(days=6)
    previous_end, previous_start = week_start - timedelta(days=1), week_start - timedelta(days=7)
    # "To date" counts from the first day of the campaign running that week (all days without one).
    campaign = current_campaign(week_end)
    since = campaign_days(campaign, week_end)[0]
    names = measure_labels()
    tables, measures = [], []
    for level in RANKED_LEVELS:
        if LEVEL_RANK[level] <= LEVEL_RANK[area.level]:
            continue
        areas = db.session.scalars(select(Area).where(Area.level == level, Area.within(area)).order_by(Area.path)).all()
        if not areas:
            continue
        to_date = child_totals_for(areas, first_day=since, last_day=week_end, campaign=campaign)
        to_previous = child_totals_for(areas, first_day=since, last_day=previous_end, targets=False)
        with_targets = [m for m in names if any(m in t.targets for t in to_date.values())]
        measures += [m for m in with_targets if m not in measures]
        this_week = child_totals_for(areas, first_day=week_start, last_day=week_end)
        last_week = child_totals_for(areas, first_day=previous_start, last_day=previous_end)
        parents = {
            a.id: a.name for a in db.session.scalars(select(Area).where(Area.id.in_({a.parent_id for a in areas})))
        }
        rows = []
        for a in areas:
            now, before, week, last = to_date[a.id], to_previous[a.id], this_week[a.id], last_week[a.id]
            coverage = round(now.coverage, 2) if now.coverage is not None else None
            rows.append(
                {
                    "name": a.name,
                    "parent": parents.get(a.parent_id, ""),
                    "resident_households": now.resident_households,
                    "households_covered": now.households_covered,
                    "coverage": coverage,
                    "coverage_change": _change(
                        coverage, round(before.coverage, 2) if before.coverage is not None else None
                    ),
                    "installs_week": week.app_installs,
                    "installs_change": week.app_installs - last.app_installs,
                    "installs_to_date": now.app_installs,
                    "realname_to_date": now.realname_regs,
                    **target_cells(now),
                }
            )
        totals = {
            key: sum(row[key] for row in rows)
            for key in (
                "resident_households",
                "households_covered",
                "installs_week",
                "installs_change",
                "installs_to_date",
                "realname_to_date",
            )
        }
        for key in {key for row in rows for key in row if key.startswith(("value:", "target:"))}:
            totals[key] = sum(row.get(key) or 0 for row in rows)
        for key in [key for key in totals if key.startswith("target:")]:
            measure = key.removeprefix("target:")
            whole = totals[key]
            totals[f"percent:{measure}"] = round(100.0 * totals[f"value:{measure}"] / whole, 2) if whole else None
        totals["coverage"] = (
            round(100.0 * totals["households_covered"] / totals["resident_households"], 2)
            if totals["resident_households"]
            else None
        )
        tables.append(
            {
                "level": level,
                "measures": with_targets,
                "by_coverage": sorted(rows, key=lambda r: (-(r["coverage"] or 0), r["name"])),
                "by_installs": sorted(rows, key=lambda r: (-r["installs_week"], r["name"])),
                "totals": totals,
            }
        )
    with force_locale("zh"):
        measure_names = [{"measure": m, "name": str(names[m])} for m in measures]
    return {
        "area": area.name,
        "week_start": week_start.isoformat(),
        "week_end": week_end.isoformat(),
        "campaign": campaign.name if campaign and since else None,
        "since": since.isoformat() if since else None,
        "measures": measure_names,
        "tables": tables,
    }


def target_cells(totals) -> dict:
    """The figure to date, its target (任务数) and 完成率 for each measure the area has a target for."""
    cells = {}
    for measure, target in totals.targets.items():
        percent = totals.percent_of_target(measure)
        cells[f"value:{measure}"] = totals.figure(measure)
        cells[f"target:{measure}"] = target
        cells[f"percent:{measure}"] = round(percent, 2) if percent is not None else None
    return cells


#: Measures whose figure to date already has its own column.
SHOWN_TO_DATE = {"app_installs": "installs_to_date", "realname_regs": "realname_to_date"}


def report_columns(data: dict | None = None, table: dict | None = None) -> list[tuple[str, str]]:
    """(key, header) in the order spreadsheets show them; headers in Chinese, as the level above reads them.
    Each measure with targets in the table adds its figure to date (unless shown already), 任务数 and 完成率."""
    with force_locale("zh"):
        extra = []
        for item in (data or {}).get("measures", []):
            measure, name = item["measure"], item["name"]
            if table is not None and measure not in table.get("measures", ()):
                continue
            if measure not in SHOWN_TO_DATE:
                extra.append((f"value:{measure}", _("%(measure)s to date", measure=name)))
            extra.append((f"target:{measure}", _("%(measure)s target", measure=name)))
            extra.append((f"percent:{measure}", _("%(measure)s completed (%%)", measure=name)))
        return [*_fixed_columns(), *extra]


def _fixed_columns() -> list[tuple[str, str]]:
    with force_locale("zh"):
        return [
            ("rank", _("Rank")),
            ("name", _("Area name")),
            ("parent", _("Belongs to")),
            ("resident_households", _("Resident households")),
            ("households_covered", _("Households visited")),
            ("coverage", _("Coverage rate")),
            ("coverage_change", _("Coverage change (points)")),
            ("installs_week", _("Installs this week")),
            ("installs_change", _("Change from last week")),
            ("installs_to_date", _("Installs to date")),
            ("realname_to_date", _("Real-name to date")),
        ]


def level_title(level: str, ranking: str) -> str:
    from fieldapp import labels

    with force_locale("zh"):
        by = _("by coverage") if ranking == "by_coverage" else _("by installs this week")
        return f"{labels.LEVELS[level]} {by}"


def report_rows(data: dict):
    """(title, header, rows, totals row) per ranked table, ready for a spreadsheet."""
    with force_locale("zh"):
        total_label = _("Total")
    for table in data["tables"]:
        columns = report_columns(data, table)
        for ranking in ("by_coverage", "by_installs"):
            rows = [
                [rank if key == "rank" else row.get(key) for key, _header in columns]
                for rank, row in enumerate(table[ranking], start=1)
            ]
            totals = [total_label if key == "rank" else table["totals"].get(key) for key, _header in columns]
            yield level_title(table["level"], ranking), [header for _key, header in columns], rows, totals


def report_title(data: dict) -> str:
    """e.g. "城关派出所 2026-11-23 – 2026-11-29 · 冬季反诈入户宣传（自2026-11-17起累计）"."""
    title = f"{data['area']} {data['week_start']} – {data['week_end']}"
    if data.get("campaign"):
        with force_locale("zh"):
            title += " · " + _("%(campaign)s (to date since %(day)s)", campaign=data["campaign"], day=data["since"])
    return title


def weekly_xlsx(data: dict) -> bytes:
    """One sheet per ranked table: the title, the header and the totals in bold."""
    sheets = []
    for title, header, rows, totals in report_rows(data):
        lines = [[report_title(data)], header, *rows, totals]
        name = re.sub(r"[\\/?*\[\]:]", "·", title)[:31]  # Excel forbids these in sheet names
        sheets.append((name, lines, {1, len(lines) - 1}))
    return workbook_bytes(sheets)


def weekly_csv(data: dict) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv_writer(buffer)
    writer.writerow([report_title(data)])
    for title, header, rows, totals in report_rows(data):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow(totals)
    return buffer.getvalue().encode("utf-8")


def publish_weekly(user: User, area: Area, week_start: date) -> WeeklyReport:
    """Freeze the week: later edits to visits never change what was published. The caller commits."""
    if db.session.scalar(
        select(WeeklyReport.id).where(WeeklyReport.area_id == area.id, WeeklyReport.week_start == week_start)
    ):
        raise AlreadyPublished()
    data = build_weekly(area, week_start)
    report = WeeklyReport(
        area_id=area.id,
        week_start=week_start,
        published_by_id=user.id,
        data=data,
        xlsx=weekly_xlsx(data),
        csv=weekly_csv(data),
    )
    db.session.add(report)
    db.session.flush()
    audit("report.publish", report, after={"area_id": area.id, "week_start": week_start.isoformat()})
    return report
