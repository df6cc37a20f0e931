"""The weekly report (周报): the week stated, every measure this week / last week / to date, % of target on every
row that has one, areas, teams and volunteers ranked, the 周点评 published with it and frozen, files in the reader's
language."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from fieldapp.admin.services import create_user
from fieldapp.extensions import db
from fieldapp.models import (
    DailyTally,
    MiniProgram,
    ProgramDailyTally,
    Target,
    UserDailyTally,
    Visit,
    WeeklyReport,
    program_measure,
)
from fieldapp.periods import current_campaign, week_bounds
from fieldapp.reports.weekly import build_weekly
from fieldapp.targets import hand_down
from fieldapp.visits.clock import local_today
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.factories import PASSWORD


def talk(user, site, **figures):
    visit, _ = record_visit(user, site, VisitInput("talked", **figures), str(uuid.uuid4()))
    db.session.commit()
    return visit


def move_todays_visits_to(day):
    """As if everything recorded so far today had been recorded on `day` (visits and every rollup)."""
    today = local_today()
    for model in (Visit, DailyTally, UserDailyTally, ProgramDailyTally):
        db.session.execute(update(model).where(model.day == today).values(day=day))
    db.session.commit()


@pytest.fixture
def week(world):
    """A world with known visits: one last week, four this week (the week holding today) by three volunteers."""
    program = MiniProgram(name="金钟罩")
    db.session.add(program)
    amin = create_user("amin", PASSWORD, "阿明", "volunteer", world.a.area, world.a.team)
    amin.phone = "13912345678"
    db.session.commit()
    start = week_bounds(local_today())[0]
    talk(world.a.volunteer, world.a.sites[0], people_reached=2, app_installs=1, realname_regs=1, notice_signed=True)
    move_todays_visits_to(start - timedelta(days=3))
    talk(
        world.a.volunteer,
        world.a.sites[1],
        people_reached=3,
        app_installs=2,
        realname_regs=1,
        program_regs={program.id: 2},
        notice_signed=True,
        receipt_collected=True,
    )
    talk(world.a.volunteer, world.a.sites[2], people_reached=1)
    talk(amin, world.a.sites[3], people_reached=2, app_installs=1, realname_regs=1, receipt_collected=True)
    talk(world.b.volunteer, world.b.sites[0], people_reached=1, app_installs=1)
    return start, program


def test_every_measure_this_week_last_week_and_to_date_for_the_area(world, week):
    start, program = week
    data = build_weekly(world.district, start)
    figures = data["summary"]["figures"]
    expected = {  # (this week, change from last week, to date)
        "households_covered": (4, 3, 5),
        "people_reached": (7, 5, 9),
        "app_installs": (4, 3, 5),
        "realname_regs": (2, 1, 3),
        "miniprogram_regs": (2, 2, 2),
        program_measure(program.id): (2, 2, 2),
        "notices_signed": (1, 0, 2),
        "receipts_collected": (2, 2, 2),
    }
    assert [item["measure"] for item in data["measures"]] == list(expected)
    for measure, (this_week, change, to_date) in expected.items():
        assert (figures[measure]["week"], figures[measure]["change"], figures[measure]["to_date"]) == (
            this_week,
            change,
            to_date,
        ), measure
    summary = data["summary"]
    assert (summary["resident_households"], summary["coverage"], summary["coverage_change"]) == (8, 62.5, 50.0)


def test_the_week_and_where_to_date_counts_from_are_stated_on_the_page_and_in_the_files(world, week, browser):
    start, _program = week
    end = start + timedelta(days=6)
    number = start.isocalendar().week
    stated = f"第{number}周 {start.isoformat()}（周一）至 {end.isoformat()}（周日）"
    browser.login("district-admin")
    page = browser.client.get(f"/reports/weekly?week={end.isoformat()}").text  # any day of the week opens it
    assert stated in page and "测试战役：累计数自2020-01-01起计。" in page
    book = load_workbook(io.BytesIO(browser.client.get(f"/reports/weekly.xlsx?week={start}").data))
    summary = book.worksheets[0]
    assert summary.title == "汇总"
    assert summary["A1"].value == f"测试区 周报 {stated}"
    assert summary["A2"].value == "测试战役：累计数自2020-01-01起计。"
    assert all(sheet["A1"].value == f"测试区 周报 {stated}" for sheet in book.worksheets)
    lines = list(
        csv.reader(io.StringIO(browser.client.get(f"/reports/weekly.csv?week={start}").data.decode("utf-8-sig")))
    )
    assert lines[0] == [f"测试区 周报 {stated}"]


def test_a_configured_week_start_moves_the_week_and_drops_the_iso_number(app, world):
    app.config["WEEK_STARTS"] = "sunday"
    start, end = week_bounds(local_today())
    assert start.weekday() == 6 and end == start + timedelta(days=6) and start <= local_today() <= end
    data = build_weekly(world.district, start)
    assert data["week_number"] is None and data["week_start"] == start.isoformat()


def rows_of(data, kind):
    return next(table for table in data["tables"] if table["kind"] == kind)["rows"]


def test_teams_and_volunteers_are_ranked_by_households_visited_this_week_ties_by_name(world, week):
    start, _program = week
    data = build_weekly(world.district, start)
    volunteers = rows_of(data, "volunteer")
    assert [(r["rank"], r["name"], r["parent"]) for r in volunteers] == [
        (1, "甲派出所志愿者", "甲派出所一队"),
        (2, "乙派出所志愿者", "乙派出所一队"),  # a tie at 1 household: by name
        (3, "阿明", "甲派出所一队"),
    ]
    first = volunteers[0]["figures"]
    assert (first["households_covered"]["week"], first["households_covered"]["to_date"]) == (2, 3)
    assert (first["app_installs"]["week"], first["app_installs"]["change"], first["app_installs"]["to_date"]) == (
        2,
        1,
        3,
    )
    teams = rows_of(data, "team")
    assert [(r["rank"], r["name"]) for r in teams] == [(1, "甲派出所一队"), (2, "乙派出所一队")]
    assert teams[0]["figures"]["households_covered"]["week"] == 3
    assert teams[0]["figures"]["people_reached"]["to_date"] == 8


def test_the_page_and_files_rank_people_by_name_without_phone_numbers(world, week, browser):
    start, _program = week
    browser.login("district-admin")
    page = browser.client.get(f"/reports/weekly?week={start}").text
    assert page.index('id="ranking-volunteer"') < page.index("阿明")
    assert "13912345678" not in page and "5678" not in page
    book = load_workbook(io.BytesIO(browser.client.get(f"/reports/weekly.xlsx?week={start}").data))
    sheet = book["志愿者 按本周入户数"]
    assert [cell.value for cell in sheet[2]][:3] == ["排名", "姓名", "队伍"]
    assert [row[1].value for row in sheet.iter_rows(min_row=3, max_row=5)] == [
        "甲派出所志愿者",
        "乙派出所志愿者",
        "阿明",
    ]
    csv_text = browser.client.get(f"/reports/weekly.csv?week={start}").data.decode("utf-8-sig")
    assert "阿明" in csv_text and "13912345678" not in csv_text


def test_areas_are_ranked_by_coverage_with_a_second_rank_by_installs_completed(world, week):
    start, _program = week
    stations = rows_of(build_weekly(world.district, start), "station")
    assert [(r["rank"], r["name"], r["coverage"]) for r in stations] == [(1, "甲派出所", 100.0), (2, "乙派出所", 25.0)]
    installs = [r["figures"]["app_installs"] for r in stations]
    assert [(c["to_date"], c["target"], c["percent"]) for c in installs] == [(4, 10, 40.0), (1, 10, 10.0)]
    assert [r["target_rank"] for r in stations] == [1, 2]


def test_targets_handed_down_show_their_percent_on_community_and_grid_rows(world, week, browser):
    start, _program = week
    campaign = current_campaign()
    hand_down(campaign, world.a.area, "app_installs", "households")  # 10 to its one community
    hand_down(campaign, world.a.community, "app_installs", "households")  # and on to its one grid
    db.session.commit()
    data = build_weekly(world.district, start)
    for kind in ("community", "grid"):
        row = next(r for r in rows_of(data, kind) if r["name"].startswith("甲派出所"))
        assert row["figures"]["app_installs"] == {"week": 3, "change": 2, "to_date": 4, "target": 10, "percent": 40.0}
    browser.login("district-admin")
    book = load_workbook(io.BytesIO(browser.client.get(f"/reports/weekly.xlsx?week={start}").data))
    sheet = book["网格 按入户率"]
    header = [cell.value for cell in sheet[2]]
    rows = {row[1].value: [cell.value for cell in row] for row in sheet.iter_rows(min_row=3, max_row=4)}
    assert rows["甲派出所一网格"][header.index("APP 安装完成率 %")] == 40.0
    assert rows["乙派出所一网格"][header.index("APP 安装任务数")] == "未下达"  # said, not left blank
    assert rows["乙派出所一网格"][header.index("APP 安装完成率 %")] is None


def test_the_demo_hands_every_station_target_down_to_its_grids(world, week):
    """The demo's report had no 完成率 for communities and grids: its targets stopped at the stations."""
    from fieldapp.demo_campaign import hand_down_demo_targets

    start, program = week
    campaign = current_campaign()
    db.session.add(Target(campaign=campaign, area=world.a.area, measure=program_measure(program.id), value=8))
    hand_down_demo_targets(campaign, world.a.area)
    db.session.commit()
    data = build_weekly(world.district, start)
    for kind in ("community", "grid"):
        row = next(r for r in rows_of(data, kind) if r["name"].startswith("甲派出所"))
        assert row["figures"]["app_installs"]["percent"] == 40.0, kind
        assert row["figures"][program_measure(program.id)]["percent"] == 25.0, kind


def publish(browser, world, week_start, comment):
    return browser.post(
        "/reports/weekly/publish", {"area": str(world.a.area.id), "week": week_start.isoformat(), "comment": comment}
    )


def test_the_comment_is_published_with_the_report_in_the_page_data_and_both_files(world, week, browser):
    start, _program = week
    browser.login("a-supervisor")
    comment = "本周甲派出所入户率领先。\n=乙派出所须加快进度。"  # a line like a formula stays text in the files
    assert publish(browser, world, start, comment).status_code == 303
    report = db.session.scalar(select(WeeklyReport))
    assert report.comment == comment and report.data["comment"] == comment
    assert report.data["published"]["by"] == "甲派出所负责人" and report.data["published"]["language"] == "zh"
    page = browser.client.get(f"/reports/weekly?area={world.a.area.id}&week={start}").text
    assert "周点评" in page and "本周甲派出所入户率领先。<br>=乙派出所须加快进度。" in page
    assert 'id="publish-form"' not in page
    summary = load_workbook(io.BytesIO(report.xlsx)).worksheets[0]
    assert (summary["A4"].value, summary["A5"].value) == ("周点评：本周甲派出所入户率领先。", "'=乙派出所须加快进度。")
    lines = list(csv.reader(io.StringIO(report.csv.decode("utf-8-sig"))))
    assert lines[3:5] == [["周点评：本周甲派出所入户率领先。"], ["'=乙派出所须加快进度。"]]


def test_a_published_report_stays_byte_for_byte_after_visits_and_a_second_comment(world, week, browser):
    start, _program = week
    browser.login("a-supervisor")
    assert publish(browser, world, start, "第一次点评").status_code == 303
    url = f"/reports/weekly.%s?area={world.a.area.id}&week={start}"
    before = {kind: browser.client.get(url % kind).data for kind in ("xlsx", "csv")}
    talk(world.a.volunteer, world.a.sites[3], people_reached=5, app_installs=3)  # a later visit in the same week
    again = publish(browser, world, start, "改过的点评")
    assert again.status_code == 303
    assert "已经发布过" in browser.client.get(again.headers["Location"]).text
    assert {kind: browser.client.get(url % kind).data for kind in ("xlsx", "csv")} == before
    report = db.session.scalar(select(WeeklyReport))
    assert report.comment == "第一次点评" and report.data["comment"] == "第一次点评"
    assert db.session.scalar(select(func.count(WeeklyReport.id))) == 1


def test_a_comment_too_long_comes_back_with_the_reason_and_publishes_nothing(world, week, browser):
    start, _program = week
    browser.login("a-supervisor")
    response = publish(browser, world, start, "长" * 2001)
    assert response.status_code == 422
    assert "长" * 2001 in response.text  # what was typed is not lost
    assert 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(func.count(WeeklyReport.id))) == 0


def test_a_week_not_started_cannot_be_published_and_a_volunteer_cannot_publish(world, week, browser):
    start, _program = week
    browser.login("a-supervisor")
    later = start + timedelta(days=14)
    assert 'id="publish-form"' not in browser.client.get(f"/reports/weekly?week={later}").text
    assert publish(browser, world, later, "").status_code == 303
    assert db.session.scalar(select(func.count(WeeklyReport.id))) == 0
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("a-volunteer")
    assert publish(browser, world, start, "").status_code == 403


def test_a_draft_file_follows_the_readers_language_a_published_one_stays_in_its_own(world, week, browser):
    start, _program = week
    browser.login("a-supervisor")
    browser.client.get("/lang/en")
    url = f"/reports/weekly.%s?area={world.a.area.id}&week={start}"
    book = load_workbook(io.BytesIO(browser.client.get(url % "xlsx").data))
    assert book.worksheets[0].title == "Summary"
    header = [cell.value for cell in book["Community · village by coverage"][2]]
    assert header[:3] == ["Rank", "Area name", "Belongs to"] and "App installs this week" in header
    english_csv = browser.client.get(url % "csv").data.decode("utf-8-sig")
    assert "Week " in english_csv and "Households visited this week" in english_csv and "本周" not in english_csv
    # Published in Chinese: an English reader downloads the Chinese file that was sent.
    browser.client.get("/lang/zh")
    assert publish(browser, world, start, "点评").status_code == 303
    browser.client.get("/lang/en")
    published = browser.client.get(url % "csv").data.decode("utf-8-sig")
    assert "周报" in published and "Weekly report" not in published
    assert "Weekly report" in browser.client.get(f"/reports/weekly?area={world.a.area.id}&week={start}").text
