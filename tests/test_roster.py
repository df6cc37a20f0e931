"""Building leads keep the roster: imports from CSV/XLSX, adding and editing doors, visit progress, audit."""

import csv
import io
import time
from datetime import timedelta

import click._termui_impl
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Job, Site
from fieldapp.roster import jobs
from fieldapp.roster.files import COLUMNS
from fieldapp.roster.imports import plan_import
from fieldapp.roster.services import apply_import
from fieldapp.tallies import area_totals
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit

HEADER_ZH = [zh for _key, zh, _en in COLUMNS]
HEADER_EN = [en for _key, _zh, en in COLUMNS]


def door(station, community, grid, building, unit, floor, room, residents, kind="", lat="", lon="", **more) -> list:
    """One row in the template's column order (COLUMNS); householder, phone, status by name."""
    given = dict(station=station, community=community, grid=grid, building=building, unit=unit, floor=floor,
                 room=room, residents=residents, kind=kind, lat=lat, lon=lon, **more)  # fmt: skip
    return [given.get(key, "") for key, _zh, _en in COLUMNS]


def good_rows(world, buildings: int = 20, per_floor: int = 10, floors: int = 10) -> list[list[str]]:
    """buildings × floors × per_floor doors of station A; some digits typed full-width (全角)."""
    a = world.a
    rows = []
    for b in range(1, buildings + 1):
        for floor in range(1, floors + 1):
            for room in range(1, per_floor + 1):
                number = f"{floor}{room:02d}"
                if room == 1:
                    number = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
                rows.append(
                    door(a.area.name, a.community.name, a.grid.name, f"A{b}号楼", "1", str(floor), number, "3", "住户")
                )
    return rows


def bad_rows(world) -> list[list[str]]:
    a, b = world.a, world.b
    return [
        door(a.area.name, "没有这个社区", a.grid.name, "A1号楼", "1", "1", "999", "3"),  # unknown area
        door(a.area.name, a.community.name, a.grid.name, "A1号楼", "1", "1", "101", "3"),  # duplicate room
        door(a.area.name, a.community.name, a.grid.name, "A1号楼", "1", "五楼", "998", "3"),  # bad floor
        door(a.area.name, a.community.name, a.grid.name, "A1号楼", "1", "1", "997", "-2"),  # bad residents
        door(b.area.name, b.community.name, b.grid.name, b.building.name, "1", "1", "996", "x"),  # bad number
    ]


def csv_bytes(rows, header=HEADER_ZH) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows, header=HEADER_ZH) -> bytes:
    book = Workbook()
    for row in [header, *rows]:
        book.active.append([int(cell) if cell.isdigit() else cell for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(browser, data: bytes, name: str):
    page = browser.client.get("/imports")
    from tests.conftest import csrf_from

    return browser.client.post(
        "/imports",
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(browser, preview_html: str):
    import re

    action = re.search(r'action="(/imports/[A-Za-z0-9_-]+)"', preview_html).group(1)
    return browser.post(action, {}, follow_redirects=True)


def site_count() -> int:
    return db.session.scalar(select(func.count(Site.id)))


def test_a_2000_row_csv_with_5_errors_writes_nothing_then_imports_once(world, browser):
    browser.login("district-admin")
    before = site_count()
    good = good_rows(world)
    assert len(good) == 2000
    response = upload(browser, csv_bytes(good[:1000] + bad_rows(world) + good[1000:]), "名册.csv")
    assert response.status_code == 422
    errors = response.text.split('id="errors"')[1].split("</section>")[0]
    assert errors.count("<li>") == 5
    for reason in ("没有这个社区", "出现两次", "五楼", "-2", "“x”"):
        assert reason in errors, reason
    assert site_count() == before

    response = upload(browser, csv_bytes(good), "名册.csv")
    assert response.status_code == 200
    assert "200 行含全角数字或字母" in response.text
    done = confirm(browser, response.text)
    assert "已导入" in done.text
    assert site_count() == before + 2000
    assert db.session.scalar(select(Site).where(Site.room == "101").order_by(Site.id.desc())).floor == 1
    # The imported households count in every area above them at once (counters kept on the areas).
    from fieldapp.site_counts import recount_site_differences

    assert recount_site_differences() == []
    assert world.district.resident_households > 2000

    again = upload(browser, csv_bytes(good), "名册.csv")
    assert 'id="to-add"><span class="label">新增</span><strong>0<' in again.text
    assert 'id="unchanged"><span class="label">不变</span><strong>2,000<' in again.text
    confirm(browser, again.text)
    assert site_count() == before + 2000
    imports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sites.import")).all()
    assert [event.after["added"] for event in imports] == [2000, 0]
    assert imports[0].user_id == world.admin.id


def test_an_xlsx_with_chinese_headers_imports_the_same_as_the_csv(world):
    rows = good_rows(world, buildings=2, floors=3, per_floor=4)
    plan = plan_import(csv_bytes(rows), "a.csv", world.district, None)
    apply_import(plan, world.district, None, "a.csv")
    db.session.commit()
    assert len(plan.adds) == 24
    for data, name in ((xlsx_bytes(rows), "a.xlsx"), (csv_bytes(rows, HEADER_EN), "english.csv")):
        again = plan_import(data, name, world.district, None)
        assert (again.rows, len(again.adds), len(again.updates), again.unchanged, again.errors) == (24, 0, 0, 24, [])


def test_a_changed_row_is_an_update_audited_with_before_and_after(world):
    site = world.a.sites[0]
    row = [world.a.area.name, world.a.community.name, world.a.grid.name, world.a.building.name, "1", "1", "101", "5"]
    header = ["派出所", "社区", "网格", "楼栋", "单元", "楼层", "房号", "人数"]
    plan = plan_import(csv_bytes([row], header), "a.csv", world.district, None)
    assert [(u[1], u[2]) for u in plan.updates] == [({"residents": 5}, {"residents": 3})]
    apply_import(plan, world.district, None, "a.csv")
    db.session.commit()
    db.session.refresh(site)
    assert site.residents == 5
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site.update"))
    assert (event.object_id, event.before, event.after) == (site.id, {"residents": 3}, {"residents": 5})


def test_a_large_file_imports_in_the_background_and_the_page_shows_progress(app, world, browser):
    app.config["IMPORT_BACKGROUND_ROWS"] = 10
    browser.login("a-lead")
    before = site_count()
    preview = upload(browser, csv_bytes(good_rows(world, buildings=1, floors=3, per_floor=10)), "big.csv")
    page = confirm(browser, preview.text)
    assert page.request.path.startswith("/imports/")
    for _attempt in range(100):
        fragment = browser.client.get(page.request.path, headers={"HX-Request": "true"})
        assert "<html" not in fragment.text
        if "已导入" in fragment.text:
            break
        assert 'hx-trigger="every 1s"' in fragment.text
        time.sleep(0.1)
    assert "新增 30 户" in fragment.text
    assert site_count() == before + 30
    job = db.session.get(Job, page.request.path.rsplit("/", 1)[1])
    assert (job.status, job.attempts, job.done) == ("done", 1, 30)
    assert job.data is None  # the roster file is not kept


def test_uploads_left_at_the_preview_are_deleted_after_a_day(app, world, browser):
    browser.login("a-lead")
    upload(browser, csv_bytes(good_rows(world, buildings=1, floors=1, per_floor=2)), "a.csv")
    (job,) = db.session.scalars(select(Job)).all()
    assert job.status == "preview" and job.data is not None
    assert jobs.purge_old_jobs(now=utcnow() + timedelta(hours=1)) == 0
    assert jobs.purge_old_jobs(now=utcnow() + timedelta(seconds=jobs.JOB_MAX_AGE + 60)) == 1
    db.session.commit()
    assert db.session.scalars(select(Job)).all() == []


def test_a_lead_cannot_import_into_another_community(world, browser):
    browser.login("a-lead")
    b = world.b
    row = door(b.area.name, b.community.name, b.grid.name, "新楼", "1", "1", "101", "3")
    response = upload(browser, csv_bytes([row]), "b.csv")
    assert response.status_code == 422
    assert "未知区域" in response.text
    assert site_count() == 10


def test_a_lead_adds_a_new_household_edits_it_and_marks_it_moved_out_all_audited(world, browser):
    a = world.a
    browser.login("a-lead")
    covered_before = area_totals(a.building).resident_households
    response = browser.post(
        f"/buildings/{a.building.id}/roster/new",
        {"unit": "1", "floor": "3", "room": "302", "residents": "2", "kind": "household", "status": "new"},
    )
    assert response.status_code == 303
    site = db.session.scalar(select(Site).where(Site.room == "302"))
    assert site.status == "new"
    assert area_totals(a.building).resident_households == covered_before + 1  # a new household counts

    response = browser.post(
        f"/sites/{site.id}/edit",
        {"unit": "1", "floor": "3", "room": "302", "residents": "4", "kind": "household", "status": "occupied",
         "contact_phone": "13900001234"},
    )  # fmt: skip
    assert response.status_code == 303
    roster = browser.client.get(f"/buildings/{a.building.id}/roster").text
    assert "139****1234" in roster and "13900001234" not in roster

    assert browser.post(f"/sites/{site.id}/moved-out", {}).status_code == 303
    db.session.refresh(site)
    assert site.status == "moved_out"
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "site", AuditEvent.object_id == site.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [event.action for event in events] == ["site.create", "site.update", "site.update"]
    assert all(event.user_id == a.lead.id for event in events)
    assert events[1].before["residents"] == 2 and events[1].after["residents"] == 4
    assert events[1].after["contact_phone"] == "139****1234"  # the trail keeps phones masked too
    assert events[2].before["status"] == "occupied" and events[2].after["status"] == "moved_out"


def test_bad_input_gets_a_message_and_changes_nothing(world, browser):
    site = world.a.sites[0]
    browser.login("a-lead")
    response = browser.post(
        f"/sites/{site.id}/edit",
        {"unit": "1", "floor": "abc", "room": "201", "residents": "3", "kind": "household", "status": "occupied"},
    )
    assert response.status_code == 422
    assert "该单元已有这个房号" in response.text or "楼层" in response.text
    response = browser.post(
        f"/sites/{site.id}/edit",
        {"unit": "1", "floor": "1", "room": "201", "residents": "3", "kind": "household", "status": "occupied"},
    )
    assert response.status_code == 422
    assert "该单元已有这个房号" in response.text
    db.session.refresh(site)
    assert site.room == "101"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.like("site.%"))) == 0


def test_the_lead_sees_rooms_not_visited_and_not_home_rooms_to_go_back_to(world, browser):
    a = world.a
    for site, outcome in ((a.sites[0], "not_home"), (a.sites[1], "talked")):
        counts = {"people_reached": 1} if outcome == "talked" else {}
        record_visit(
            a.volunteer, site, VisitInput(outcome=outcome, **counts), f"00000000-0000-4000-8000-00000000000{site.id}"
        )
    db.session.commit()
    browser.login("a-lead")
    revisit = browser.client.get(f"/buildings/{a.building.id}/roster?show=revisit").text
    assert f'id="site-{a.sites[0].id}"' in revisit and f'id="site-{a.sites[1].id}"' not in revisit
    assert "不在家" in revisit and a.volunteer.display_name in revisit
    unvisited = browser.client.get(f"/buildings/{a.building.id}/roster?show=unvisited").text
    listed = {site.id for site in a.sites if f'id="site-{site.id}"' in unvisited}
    assert listed == {a.sites[2].id, a.sites[3].id}  # not the visited ones, not the vacant flat


def test_a_lead_of_one_community_cannot_see_or_change_anothers_roster(world, browser):
    b = world.b
    browser.login("a-lead")
    site = b.sites[0]
    for url in (
        f"/buildings/{b.building.id}/roster",
        f"/buildings/{b.building.id}/roster/new",
        f"/sites/{site.id}/edit",
    ):
        assert browser.client.get(url).status_code == 404, url
    assert browser.post(f"/sites/{site.id}/moved-out", {}).status_code == 404
    assert browser.post(f"/sites/{site.id}/edit", {"room": "x", "residents": "1"}).status_code == 404
    db.session.refresh(site)
    assert site.status == "occupied"


def test_a_volunteer_sees_the_roster_but_cannot_change_it(world, browser):
    a = world.a
    browser.login("a-volunteer")
    page = browser.client.get(f"/buildings/{a.building.id}/roster")
    assert page.status_code == 200 and "添加住户" not in page.text
    assert browser.client.get(f"/sites/{a.sites[0].id}/edit").status_code == 403
    assert browser.post(f"/sites/{a.sites[0].id}/moved-out", {}).status_code == 403
    assert browser.client.get("/imports").status_code == 403


def test_templates_download_with_chinese_headers(world, browser):
    browser.login("a-lead")
    text = browser.client.get("/imports/template.csv").data.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(HEADER_ZH)
    xlsx = browser.client.get("/imports/template.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER_ZH
    assert HEADER_ZH == [
        "派出所", "社区", "网格", "楼栋", "单元", "楼层", "房号",
        "户主", "联系电话", "人数", "类型", "状态", "重点人群", "纬度", "经度",
    ]  # fmt: skip
    assert all(cell not in (None, "") for cell in rows[1])  # the first example fills every column
    assert len(rows) == 3  # two example rows to copy


def test_coordinates_are_optional_full_width_digits_are_read_and_bad_ones_refused(world):
    a = world.a
    place = [a.area.name, a.community.name, a.grid.name, "坐标楼", "1", "1"]
    rows = [
        door(*place, "101", "2", "住户", "30.2741", "120.1551"),
        door(*place, "102", "2", "住户", "", ""),
        door(*place, "１０３", "２", "住户", "３０．１", "１２０．２"),  # 全角 digits and point, as some phones type
    ]
    plan = plan_import(csv_bytes(rows), "a.csv", world.district, None)
    assert plan.errors == [] and [line for line, _note in plan.notes] == ["4"]
    apply_import(plan, world.district, None, "a.csv")
    db.session.commit()
    stored = db.session.scalars(select(Site).where(Site.room.in_(["101", "102", "103"]), Site.unit == "1")).all()
    assert {s.room: (s.lat, s.lon) for s in stored if s.building.name == "坐标楼"} == {
        "101": (30.2741, 120.1551),
        "102": (None, None),
        "103": (30.1, 120.2),
    }
    bad = [
        door(*place, "104", "2", "", "30.1", ""),
        door(*place, "105", "2", "", "95", "120"),
        door(*place, "106", "2", "", "北纬30度", "120"),
    ]
    plan = plan_import(csv_bytes(bad), "b.csv", world.district, None)
    assert [line for line, _reason in plan.errors] == ["2", "3", "4"]
    assert "经纬度须同时填写或同时留空" in plan.errors[0][1]
    assert "坐标“95”" in plan.errors[1][1] and "坐标“北纬30度”" in plan.errors[2][1]


def test_unreadable_files_get_a_message_in_chinese_and_write_nothing(world, browser):
    browser.login("a-lead")
    for data, name, message in (
        (b"just text", "roster.txt", "请上传 .csv 或 .xlsx 文件"),
        (b"not a zip", "roster.xlsx", "无法读取这个 Excel"),
    ):
        response = upload(browser, data, name)
        assert response.status_code == 422, name
        assert message in response.text, name
    assert site_count() == 10
    assert db.session.scalars(select(Job)).all() == []  # no upload kept


def test_english_headers_upload_and_a_change_is_previewed_in_words(world, browser):
    a = world.a
    browser.login("a-lead")
    row = door(a.area.name, a.community.name, a.grid.name, a.building.name, "1", "1", "101", "5", "shop")
    response = upload(browser, csv_bytes([row], header=[h.upper() for h in HEADER_EN]), "english.csv")
    assert response.status_code == 200
    updates = response.text.split('id="updates"')[1].split("</section>")[0]
    assert f"{a.building.name} 1-101 · 居住人数: 3 → 5; 类型: 住户 → 商户" in updates


def test_the_import_sites_command_shows_progress_and_imports_once(app, world, tmp_path, monkeypatch):
    monkeypatch.setattr(click._termui_impl, "isatty", lambda _stream: True)  # draw the bar as in a terminal
    rows = good_rows(world, buildings=2, floors=6, per_floor=100)
    path = tmp_path / "名册.csv"
    path.write_bytes(csv_bytes(rows))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-sites", str(path)])
    assert result.exit_code == 0, result.output
    assert "Checking rows" in result.output and "1000/1201" in result.output  # moved on while checking
    assert "Writing sites" in result.output and "1000/1200" in result.output and "1200/1200" in result.output
    assert "Imported: 1200 added" in result.output
    db.session.commit()
    assert site_count() == 10 + 1200
    again = runner.invoke(args=["import-sites", str(path)])
    assert again.exit_code == 0 and "Nothing to change." in again.output

    path.write_bytes(csv_bytes(bad_rows(world)))
    refused = runner.invoke(args=["import-sites", str(path)])
    assert refused.exit_code == 1 and "line 2:" in refused.output and "Nothing was imported" in refused.output
    db.session.commit()
    assert site_count() == 10 + 1200
