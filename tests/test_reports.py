"""The weekly report (周报) and exports: ranked, totalled, frozen once published, audited."""

import io
import uuid
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Site
from fieldapp.reports.weekly import build_weekly, week_bounds
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import correct_visit, record_visit


def talk(world, station, site_index, installs):
    visit, _ = record_visit(
        station.volunteer,
        station.sites[site_index],
        VisitInput("talked", max(1, installs), installs),
        str(uuid.uuid4()),
    )
    db.session.commit()
    return visit


def this_week(visit):
    return week_bounds(visit.day)[0].isoformat()


def test_stations_are_ranked_by_coverage_with_totals_equal_on_page_and_file(world, browser):
    talk(world, world.a, 0, 1)
    talk(world, world.b, 0, 3)
    visit = talk(world, world.b, 1, 2)
    data = build_weekly(world.district, week_bounds(visit.day)[0])
    stations = next(t for t in data["tables"] if t["kind"] == "station")
    assert [r["name"] for r in stations["rows"]] == ["乙派出所", "甲派出所"]
    assert [r["coverage"] for r in stations["rows"]] == [50.0, 25.0]
    assert [r["figures"]["app_installs"]["week"] for r in stations["rows"]] == [5, 1]
    assert stations["totals"]["figures"]["app_installs"]["week"] == 6 and stations["totals"]["coverage"] == 37.5

    browser.login("district-admin")
    page = browser.client.get(f"/reports/weekly?week={this_week(visit)}").text
    assert page.index("乙派出所") < page.index("甲派出所")
    xlsx = browser.client.get(f"/reports/weekly.xlsx?week={this_week(visit)}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data))["派出所·镇 按入户率"]
    header = [cell.value for cell in sheet[2]]
    assert header[:3] == ["排名", "名称", "所属"]
    totals = [cell.value for cell in sheet[sheet.max_row]]
    assert totals[0] == "合计"
    assert totals[header.index("APP 安装本周")] == 6  # equals the page's total
    assert totals[header.index("入户率 %")] == 37.5  # the page shows 37.5%
    csv = browser.client.get(f"/reports/weekly.csv?week={this_week(visit)}").data
    assert csv.startswith("\ufeff".encode()) and "乙派出所".encode() in csv


def test_a_published_report_is_byte_identical_after_later_edits(world, browser):
    visit = talk(world, world.a, 0, 2)
    browser.login("a-supervisor")
    week = this_week(visit)
    assert browser.post("/reports/weekly/publish", {"area": str(world.a.area.id), "week": week}).status_code == 303
    before = browser.client.get(f"/reports/weekly.xlsx?area={world.a.area.id}&week={week}").data
    before_csv = browser.client.get(f"/reports/weekly.csv?area={world.a.area.id}&week={week}").data
    # Later: a correction and a new visit in the same week.
    correct_visit(world.a.supervisor, visit, VisitInput("talked", 1, 0), "only one person")
    talk(world, world.a, 1, 3)
    db.session.commit()
    assert browser.client.get(f"/reports/weekly.xlsx?area={world.a.area.id}&week={week}").data == before
    assert browser.client.get(f"/reports/weekly.csv?area={world.a.area.id}&week={week}").data == before_csv
    again = browser.post("/reports/weekly/publish", {"area": str(world.a.area.id), "week": week})
    assert again.status_code == 303
    assert "已经发布过" in browser.client.get(again.headers["Location"]).text
    exports = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "report.export"))
    assert exports == 4


def test_reports_belong_to_supervisors_of_their_own_area(world, browser):
    browser.login("a-volunteer")
    assert browser.client.get("/reports/weekly").status_code == 403
    browser.post("/logout", {})
    browser.login("a-supervisor")
    assert browser.client.get(f"/reports/weekly?area={world.b.area.id}").status_code == 404
    assert browser.client.get(f"/reports/visits.csv?area={world.b.area.id}").status_code == 404


def test_the_visit_export_streams_only_the_supervisors_area(world, browser):
    mine = talk(world, world.a, 0, 2)
    theirs = talk(world, world.b, 0, 1)
    browser.login("a-supervisor")
    response = browser.client.get("/reports/visits.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("登记编号,日期,时间（北京时间）,派出所/镇")  # Chinese unless the user picked English
    assert any(line.startswith(f"{mine.id},") and "甲派出所" in line for line in lines)
    assert not any(line.startswith(f"{theirs.id},") for line in lines)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "visits.export")) == 1


def test_the_visit_export_is_produced_in_batches_not_as_one_string(world):
    from datetime import date

    from fieldapp.reports import exports

    for index in range(4):
        talk(world, world.a, index, 1)
    chunks = list(exports.visit_export_rows(world.a.area, date(2000, 1, 1), date(2100, 1, 1)))
    assert len(chunks) >= 2 and chunks[0].startswith("\ufeff登记编号,")
    assert sum(chunk.count("\n") for chunk in chunks) == 5  # the header and four visits


def test_a_download_is_audited_even_when_another_worker_writes_while_it_is_built(world, browser, monkeypatch):
    """On SQLite the GET reads in a snapshot; writing the audit event into that same snapshot after
    another worker committed fails at once ("database is locked"). The event needs its own transaction."""
    import fieldapp.reports.routes as routes

    original = routes.weekly_data

    def meanwhile(*args, **kwargs):
        data = original(*args, **kwargs)
        with db.engine.begin() as other_worker:  # another connection commits a write in the middle
            other_worker.execute(AuditEvent.__table__.insert().values(action="other.worker", object_type="x"))
        return data

    monkeypatch.setattr(routes, "weekly_data", meanwhile)
    browser.login("a-supervisor")
    response = browser.client.get(f"/reports/weekly.csv?area={world.a.area.id}")
    assert response.status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["other.worker", "report.export"]


def test_the_visit_export_comes_as_a_spreadsheet_of_the_supervisors_area_only(world, browser):
    mine = talk(world, world.a, 0, 2)
    theirs = talk(world, world.b, 0, 1)
    browser.login("a-supervisor")
    assert "/reports/visits.xlsx" in browser.client.get("/reports/weekly").text
    response = browser.client.get("/reports/visits.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    header, *rows = sheet.iter_rows(values_only=True)
    assert header[:4] == ("登记编号", "日期", "时间（北京时间）", "派出所/镇")
    (row,) = rows
    record = dict(zip(header, row, strict=True))
    assert record["登记编号"] == mine.id and record["登记编号"] != theirs.id
    assert record["日期"].date() == mine.day  # a real date in Excel, not text
    assert (record["派出所/镇"], record["APP 安装"], record["审核状态"]) == ("甲派出所", 2, "未审核")
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "visits.export")).one()
    assert exported.after["format"] == "xlsx"
    assert browser.client.get(f"/reports/visits.xlsx?area={world.b.area.id}").status_code == 404
    assert browser.client.get("/reports/visits.pdf").status_code == 404


def test_the_spreadsheet_export_holds_every_visit_of_the_area(world):
    from datetime import date

    from fieldapp.reports import exports

    for index in range(5):
        talk(world, world.a, index % 4, 1)
    talk(world, world.b, 0, 1)
    chunks = exports.visit_export_xlsx(world.a.area, date(2000, 1, 1), date(2100, 1, 1))
    sheet = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True).active
    assert sum(1 for _row in sheet.iter_rows()) == 6  # the header and five visits


def test_a_spreadsheet_is_sent_while_its_rows_are_still_being_read():
    from fieldapp.reports.xlsx import stream_xlsx

    read = 0

    def rows():
        nonlocal read
        for number in range(50_000):
            read += 1
            yield [number, f"第 {number} 户", number * 1.5]

    stream = stream_xlsx("sheet", ["n", "door", "x"], rows())
    next(stream), next(stream)  # the fixed parts, then the first compressed rows
    assert 0 < read < 50_000
    assert len(b"".join(stream)) > 0 and read == 50_000


def test_spreadsheet_cells_survive_awkward_values():
    from datetime import date, datetime

    from fieldapp.reports.xlsx import column_letter, stream_xlsx

    assert [column_letter(n) for n in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    awkward = ["<b>&amp;", " 1单元 101 ", "bell\x07", None, True, 2.5, 0]
    awkward += [date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5)]
    data = b"".join(stream_xlsx('周报 "A" / B', [f"c{n}" for n in range(len(awkward))], [awkward]))
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[2]] == [
        "<b>&amp;",
        " 1单元 101 ",
        "bell",
        None,
        1,
        2.5,
        0,
        datetime(2026, 1, 2),
        datetime(2026, 1, 2, 3, 4, 5),
    ]
    assert sheet.title == '周报 "A" · B' and sheet.freeze_panes == "A2" and sheet["A1"].font.b


def test_a_past_week_keeps_the_resident_households_it_had_when_a_building_loses_some_later(world, browser):
    visit = talk(world, world.a, 0, 1)
    this_monday = week_bounds(visit.day)[0]
    last_monday = this_monday - timedelta(days=7)
    assert build_weekly(world.district, last_monday)["summary"]["resident_households"] == 8

    world.a.sites[1].status = "moved_out"  # 甲派出所 loses a household this week
    db.session.commit()

    last_week = build_weekly(world.district, last_monday)
    assert last_week["summary"]["resident_households"] == 8
    stations = next(t for t in last_week["tables"] if t["kind"] == "station")
    assert {r["name"]: r["resident_households"] for r in stations["rows"]} == {"甲派出所": 4, "乙派出所": 4}
    this_week = build_weekly(world.district, this_monday)
    assert this_week["summary"]["resident_households"] == 7
    assert this_week["summary"]["coverage"] == round(100 / 7, 2)
    browser.login("district-admin")
    page = browser.client.get(f"/reports/weekly?week={last_monday.isoformat()}").text
    assert 'id="ranking-station"' in page


def test_households_added_this_week_are_not_in_last_weeks_coverage(world):
    visit = talk(world, world.a, 0, 1)
    last_monday = week_bounds(visit.day)[0] - timedelta(days=7)
    db.session.add(Site(building_id=world.a.building.id, unit="1", floor=8, room="801", residents=2))
    db.session.commit()
    assert build_weekly(world.district, last_monday)["summary"]["resident_households"] == 8
    assert build_weekly(world.district, week_bounds(visit.day)[0])["summary"]["resident_households"] == 9


def test_a_long_ranked_table_shows_its_first_rows_and_says_the_files_have_every_row(world, browser, monkeypatch):
    from fieldapp.reports import routes

    monkeypatch.setattr(routes, "SHOWN_ROWS", 1)
    talk(world, world.a, 0, 1)
    visit = talk(world, world.b, 0, 3)
    browser.login("district-admin")
    page = browser.client.get(f"/reports/weekly?week={this_week(visit)}").text
    stations = page[page.index('id="ranking-station"') :]
    stations = stations[: stations.index("</section>")]
    assert "乙派出所" in stations and "甲派出所" not in stations  # the first by coverage only
    assert "仅显示前 1 行（共 2 行）；全部行见 Excel 和 CSV 文件。" in stations
    csv = browser.client.get(f"/reports/weekly.csv?week={this_week(visit)}").data.decode("utf-8-sig")
    assert "甲派出所" in csv and "乙派出所" in csv
