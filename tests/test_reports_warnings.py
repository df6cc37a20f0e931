"""The weekly report's warning tables add up to the area's own warning figures: warnings never routed below a level
(left at a station, or at the district) are each table's "not yet routed" (未分派) row, on the page, in the XLSX and
CSV and in a published report's data; a report published before that row existed still shows as it was."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import WeeklyReport
from fieldapp.periods import week_bounds
from fieldapp.reports.weekly import build_weekly
from fieldapp.reports.weekly_outreach import WARNING_SUMS
from fieldapp.visits.clock import local_today
from tests.test_weekly_kinds import Tables, late, numbers, on_time, sheet, warning_at


@pytest.fixture
def week(world):
    """甲's grid: one warning followed up on time; 甲 itself (never routed below the station): one late; the
    district itself: one just received (pending)."""
    on_time(world.a.grid, world.admin)
    late(world.a.area, world.admin)
    warning_at(world.district, world.admin, 0.05, called_after=timedelta(minutes=1))
    return week_bounds(local_today())[0]


def warning_table(data: dict, level: str) -> dict:
    return next(t for t in data["outreach"]["warning_tables"] if t["kind"] == level)


def test_each_warning_table_adds_up_to_the_summary_with_a_not_yet_routed_row(world, week):
    data = build_weekly(world.district, week)
    summary = data["outreach"]["warnings"]
    assert summary["week"] == {"received": 3, "on_time": 1, "late": 1, "pending": 1, "rate": 50.0}
    expected_unrouted = {"station": (1, 0, 0, 1), "community": (2, 0, 1, 1), "grid": (2, 0, 1, 1)}
    for level, (received, on_time_, late_, pending) in expected_unrouted.items():
        table = warning_table(data, level)
        for period in ("week", "to_date"):
            unrouted = table["unrouted"][period]
            assert (unrouted["received"], unrouted["on_time"], unrouted["late"], unrouted["pending"]) == (
                received,
                on_time_,
                late_,
                pending,
            ), level
            for name in WARNING_SUMS:
                assert sum(row[period][name] for row in table["rows"]) + unrouted[name] == summary[period][name]
            assert table["totals"][period] == summary[period]  # the rate worked out again, as the summary's
    assert [row["name"] for row in warning_table(data, "community")["rows"]] == ["甲派出所社区"]
    assert "warnings" not in data  # version 2's copy: nothing showed it beside "outreach"


def test_a_report_whose_warnings_all_reached_their_parts_has_no_not_yet_routed_row(world):
    on_time(world.a.grid, world.admin)
    late(world.b.grid, world.admin)
    data = build_weekly(world.district, week_bounds(local_today())[0])
    assert all("unrouted" not in table for table in data["outreach"]["warning_tables"])


def test_the_page_and_the_files_show_the_not_yet_routed_row_and_totals_equal_the_summary(world, week, browser):
    browser.login("district-admin")
    page = Tables(browser.client.get(f"/reports/weekly?week={week}").text).tables
    last = page["warnings-community"][-1]
    assert last[0] == "– 未分派"
    assert [numbers(cell) for cell in last[1:]] == [[2, 2], [0, 0], [1, 1], [0, 0]]  # received, on time, late, rate

    book = load_workbook(io.BytesIO(browser.client.get(f"/reports/weekly.xlsx?week={week}").data))
    rows = sheet(book, "社区·村 预警")[2:]
    assert [row[1] for row in rows] == ["甲派出所社区", "未分派", None]
    assert rows[-1][0] == "合计" and rows[-1][3:5] == [3, 3]  # received: week, to date
    text = browser.client.get(f"/reports/weekly.csv?week={week}").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    start = next(i for i, line in enumerate(lines) if line and line[0].startswith("社区/村 预警"))
    assert [line[1] for line in lines[start + 2 : start + 5]] == ["甲派出所社区", "未分派", ""]
    assert lines[start + 4][0] == "合计" and lines[start + 4][3:5] == ["3", "3"]


def test_a_published_report_keeps_its_not_yet_routed_row(world, week, browser):
    browser.login("district-admin")
    page = browser.client.get(f"/reports/weekly?week={week}").text
    response = browser.post("/reports/weekly/publish", {"area": world.district.id, "week": week.isoformat()})
    assert response.status_code == 303
    report = db.session.scalar(select(WeeklyReport))
    assert report.data["version"] == 4 and "warnings" not in report.data
    assert warning_table(report.data, "station")["unrouted"]["week"]["received"] == 1
    # Warnings routed later change the live figures, never the published ones.
    late(world.b.grid, world.admin)
    shown = Tables(browser.client.get(f"/reports/weekly?week={week}").text).tables
    assert shown["warnings-station"] == Tables(page).tables["warnings-station"]
    assert shown["warnings-station"][-1][0] == "– 未分派"


def test_a_version_3_report_published_before_the_row_still_shows_as_it_was(world, week, browser):
    """Version 3 stored no "unrouted" row and a copy of the warnings as version 2 had them: its tables show the
    areas' rows only, and nothing of that copy."""
    browser.login("district-admin")
    browser.post("/reports/weekly/publish", {"area": world.district.id, "week": week.isoformat()})
    report = db.session.scalar(select(WeeklyReport))
    data = dict(report.data, version=3, warnings={"received": 99, "on_time": 0, "late": 0, "rate": None, "rows": []})
    data["outreach"] = dict(data["outreach"])
    data["outreach"]["warning_tables"] = [
        {key: value for key, value in table.items() if key != "unrouted"}
        for table in data["outreach"]["warning_tables"]
    ]
    report.data = data
    db.session.commit()
    page = browser.client.get(f"/reports/weekly?week={week}").text
    shown = Tables(page).tables
    assert [row[0] for row in shown["warnings-station"][1:]] == ["1 甲派出所 测试区"]
    assert "未分派" not in page and "99" not in shown["warnings-summary"][1][1]


def test_an_area_with_no_warning_decided_yet_is_listed_after_the_ranked_ones(world):
    """乙 sorts before 甲 by name; with no warning decided this week it has no rank, and comes after 甲's."""
    on_time(world.a.grid, world.admin)
    warning_at(world.b.grid, world.admin, 0.05, called_after=timedelta(minutes=1))  # nothing due yet
    data = build_weekly(world.district, week_bounds(local_today())[0])
    for level in ("station", "community", "grid"):
        rows = warning_table(data, level)["rows"]
        assert [(row.get("rank"), row["name"][:1]) for row in rows] == [(1, "甲"), (None, "乙")], level
