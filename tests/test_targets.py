"""Targets (任务数): set per area and figure for the campaign, handed down exactly, shown as 完成率. Both databases."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.areas.services import add_area
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, MiniProgram, Target, program_measure
from fieldapp.periods import current_campaign
from fieldapp.reports.weekly import week_bounds
from fieldapp.targets import split_parts
from fieldapp.visits.clock import local_today
from tests.test_campaigns import tally


def targets(campaign, area) -> dict[str, int]:
    rows = db.session.scalars(select(Target).where(Target.campaign_id == campaign.id, Target.area_id == area.id))
    return {row.measure: row.value for row in rows}


@pytest.mark.parametrize(
    "whole, weights, parts",
    [
        (10, [1, 1, 1], [4, 3, 3]),
        (100, [120, 80, 0], [60, 40, 0]),
        (7, [3, 3, 1], [3, 3, 1]),
        (1000, [333, 333, 334], [333, 333, 334]),
        (5, [0, 0], [3, 2]),
        (0, [5, 5], [0, 0]),
    ],
)
def test_largest_remainder_parts_sum_exactly(whole, weights, parts):
    assert split_parts(whole, weights) == parts
    assert sum(split_parts(whole, weights)) == whole


def test_a_supervisor_sets_targets_for_each_figure_and_mini_program_audited(world, browser):
    program = MiniProgram(name="金钟罩")
    db.session.add(program)
    db.session.commit()
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}/targets")
    assert page.status_code == 200 and "金钟罩" in page.text
    field = program_measure(program.id).replace(":", "_")
    response = browser.post(
        f"/areas/{world.a.area.id}/targets",
        {"app_installs": "2,000", "realname_regs": "1500", field: "300", "households_covered": ""},
    )
    assert response.status_code == 303
    campaign = current_campaign()
    assert targets(campaign, world.a.area) == {
        "app_installs": 2000,
        "realname_regs": 1500,
        f"program:{program.id}": 300,
    }
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "target.set")).one()
    assert event.before["app_installs"] == 10 and event.after["app_installs"] == 2000
    assert event.before["realname_regs"] is None


@pytest.mark.parametrize(
    "typed, message",
    [
        ("-5", "不能为负数"),
        ("abc", "请输入整数"),
        ("1.5", "请输入整数"),
        ("99999999999", "最多10,000,000"),
        ("１２", "请输入整数"),
    ],
)
def test_bad_targets_are_refused_and_nothing_changes(world, browser, typed, message):
    browser.login("a-supervisor")
    response = browser.post(f"/areas/{world.a.area.id}/targets", {"app_installs": "50", "realname_regs": typed})
    assert response.status_code == 422 and message in response.text
    assert targets(current_campaign(), world.a.area) == {"app_installs": 10}  # the good box was not saved either
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "target.set")) is None


def three_parts(world):
    """甲派出所 with three communities of 4, 6 and 0 resident households (the world's own has 4)."""
    station = world.a.area
    for name, households in (("二社区", 6), ("三社区", 0)):
        part = add_area(station, "community", name)
        part.resident_households = households
    db.session.commit()
    db.session.refresh(station)
    return [child for child in station.children]


def test_handing_down_by_households_and_evenly_sums_exactly(world, browser):
    parts = three_parts(world)
    weights = {part.name: part.resident_households for part in parts}
    assert sorted(weights.values()) == [0, 4, 6]
    browser.login("a-supervisor")
    browser.post(f"/areas/{world.a.area.id}/targets", {"app_installs": "1001"})
    response = browser.post(
        f"/areas/{world.a.area.id}/targets/hand-down", {"measure": "app_installs", "how": "households"}
    )
    assert response.status_code == 303
    campaign = current_campaign()
    shares = {part.name: targets(campaign, part)["app_installs"] for part in parts}
    assert sum(shares.values()) == 1001
    assert shares == {name: {0: 0, 4: 400, 6: 601}[weights[name]] for name in weights}

    browser.post(f"/areas/{world.a.area.id}/targets/hand-down", {"measure": "app_installs", "how": "evenly"})
    shares = sorted(targets(campaign, part)["app_installs"] for part in parts)
    assert shares == [333, 334, 334] and sum(shares) == 1001

    # A part's share can then be edited on its own page.
    community = world.a.community
    assert browser.post(f"/areas/{community.id}/targets", {"app_installs": "500"}).status_code == 303
    assert targets(campaign, community)["app_installs"] == 500


def test_handing_down_a_target_not_set_is_refused(world, browser):
    browser.login("a-supervisor")
    response = browser.post(
        f"/areas/{world.a.area.id}/targets/hand-down", {"measure": "realname_regs", "how": "evenly"}
    )
    assert response.status_code == 422
    assert targets(current_campaign(), world.a.community) == {}


def test_the_area_page_shows_value_target_and_percent_for_the_area_and_each_part(world, browser):
    tally(world.a.building, local_today(), app_installs=3, realname_regs=2)
    campaign = current_campaign()
    db.session.add(Target(campaign=campaign, area=world.a.area, measure="realname_regs", value=8))
    db.session.add(Target(campaign=campaign, area=world.a.community, measure="realname_regs", value=4))
    db.session.commit()
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}").text
    realname = re.search(r'id="realname".*?</div>', page, re.S).group(0)
    assert "<strong>2</strong>" in realname and "完成任务 25.0%（任务 8）" in realname
    assert "完成任务 30.0%（任务 10）" in re.search(r'id="installs".*?</div>', page, re.S).group(0)
    row = re.search(r"甲派出所社区</a></td>.*?</tr>", page, re.S).group(0)
    assert "/ 4 · 50.0%" in row
    # A mini-program's target has no tile of its own: the targets card shows it.
    program = MiniProgram(name="反诈卫士")
    db.session.add(program)
    db.session.flush()
    db.session.add(Target(campaign=campaign, area=world.a.area, measure=program_measure(program.id), value=5))
    db.session.commit()
    page = browser.client.get(f"/areas/{world.a.area.id}").text
    card = re.search(rf'id="target-program-{program.id}".*?</li>', page, re.S).group(0)
    assert "反诈卫士" in card and "0 / 5" in card and "完成率 0.0%" in card


def test_the_weekly_xlsx_and_csv_carry_target_and_percent_columns(world, browser):
    tally(world.a.building, local_today(), app_installs=3)
    week = week_bounds(local_today())[0].isoformat()
    browser.login("district-admin")
    page = browser.client.get(f"/reports/weekly?week={week}").text
    assert "3 / 10" in page and "30.0%" in page
    xlsx = browser.client.get(f"/reports/weekly.xlsx?week={week}")
    sheet = load_workbook(io.BytesIO(xlsx.data))["派出所·镇 按入户率"]
    header = [cell.value for cell in sheet[2]]
    assert "APP 安装任务数" in header and "APP 安装完成率 %" in header
    rows = {row[1].value: [cell.value for cell in row] for row in sheet.iter_rows(min_row=3)}
    station = rows["甲派出所"]
    assert station[header.index("APP 安装任务数")] == 10 and station[header.index("APP 安装完成率 %")] == 30.0
    totals = [cell.value for cell in sheet[sheet.max_row]]
    assert totals[header.index("APP 安装任务数")] == 20 and totals[header.index("APP 安装完成率 %")] == 15.0
    csv = browser.client.get(f"/reports/weekly.csv?week={week}").data.decode("utf-8")
    assert "APP 安装任务数" in csv and "APP 安装完成率 %" in csv


def test_a_volunteer_cannot_set_targets_and_a_supervisor_not_another_stations(world, browser):
    browser.login("a-volunteer")
    assert browser.client.get(f"/areas/{world.a.area.id}/targets").status_code == 403
    assert browser.post(f"/areas/{world.a.area.id}/targets", {"app_installs": "5"}).status_code == 403
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("a-supervisor")
    assert browser.client.get(f"/areas/{world.b.area.id}/targets").status_code == 404
    assert browser.post(f"/areas/{world.b.area.id}/targets", {"app_installs": "5"}).status_code == 404
    response = browser.post(f"/areas/{world.b.area.id}/targets/hand-down", {"measure": "app_installs", "how": "evenly"})
    assert response.status_code == 404
    assert targets(current_campaign(), world.b.area) == {"app_installs": 10}


def test_without_a_campaign_the_targets_page_says_so(world, browser):
    db.session.execute(db.text("DELETE FROM targets"))
    db.session.execute(db.text("DELETE FROM campaigns"))
    db.session.commit()
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}/targets")
    assert page.status_code == 200 and "尚无专项行动" in page.text
    assert browser.post(f"/areas/{world.a.area.id}/targets/hand-down", {"measure": "x"}).status_code == 404


def test_past_campaign_targets_show_through_the_picker(world, browser):
    today = local_today()
    from tests.test_campaigns import campaign

    past = campaign("秋季行动", today - timedelta(days=50), today - timedelta(days=30))
    db.session.add(Target(campaign=past, area=world.a.area, measure="app_installs", value=40))
    db.session.commit()
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}?campaign={past.id}").text
    assert "完成任务 0.0%（任务 40）" in re.search(r'id="installs".*?</div>', page, re.S).group(0)
    assert "设定任务数" not in page  # targets are set for the current campaign only
