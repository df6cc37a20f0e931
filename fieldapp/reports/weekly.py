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
from fieldapp.refusals import Refused
from fieldapp.reports.cells import BOM, csv_writer, workbook_bytes
from fieldapp.tallies import child_totals_for

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
    tables = []
    for level in RANKED_LEVELS:
        if LEVEL_RANK[level] <= LEVEL_RANK[area.level]:
            continue
        areas = db.session.scalars(select(Area).where(Area.level == level, Area.within(area)).order_by(Area.path)).all()
        if not areas:
            continue
        to_date = child_totals_for(areas, last_day=week_end)
        to_previous = child_totals_for(areas, last_day=previous_end)
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
                    "target_percent": round(now.percent_of_target("app_installs"), 2)
                    if now.percent_of_target("app_installs") is not None
                    else None,
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
        totals["coverage"] = (
            round(100.0 * totals["households_covered"] / totals["resident_households"], 2)
            if totals["resident_households"]
            else None
        )
        tables.append(
            {
                "level": level,
                "by_coverage": sorted(rows, key=lambda r: (-(r["coverage"] or 0), r["name"])),
                "by_installs": sorted(rows, key=lambda r: (-r["installs_week"], r["name"])),
                "totals": totals,
            }
        )
    return {"area": area.name, "week_start": week_start.isoformat(), "week_end": week_end.isoformat(), "tables": tables}


def report_columns() -> list[tuple[str, str]]:
    """(key, header) in the order spreadsheets show them; headers in Chinese, as the level above reads them."""
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
            ("target_percent", _("Share of install target")),
        ]


def level_title(level: str, ranking: str) -> str:
    from fieldapp import labels

    with force_locale("zh"):
        by = _("by coverage") if ranking == "by_coverage" else _("by installs this week")
        return f"{labels.LEVELS[level]} {by}"


def report_rows(data: dict):
    """(title, header, rows, totals row) per ranked table, ready for a spreadsheet."""
    columns = report_columns()
    with force_locale("zh"):
        total_label = _("Total")
    for table in data["tables"]:
        for ranking in ("by_coverage", "by_installs"):
            rows = [
                [rank if key == "rank" else row.get(key) for key, _header in columns]
                for rank, row in enumerate(table[ranking], start=1)
            ]
            totals = [total_label if key == "rank" else table["totals"].get(key) for key, _header in columns]
            yield level_title(table["level"], ranking), [header for _key, header in columns], rows, totals


def weekly_xlsx(data: dict) -> bytes:
    """One sheet per ranked table: the title, the header and the totals in bold."""
    sheets = []
    for title, header, rows, totals in report_rows(data):
        lines = [[f"{data['area']} {data['week_start']} – {data['week_end']}"], header, *rows, totals]
        name = re.sub(r"[\\/?*\[\]:]", "·", title)[:31]  # Excel forbids these in sheet names
        sheets.append((name, lines, {1, len(lines) - 1}))
    return workbook_bytes(sheets)


def weekly_csv(data: dict) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv_writer(buffer)
    writer.writerow([f"{data['area']} {data['week_start']} – {data['week_end']}"])
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
