"""Campaigns (专项行动): which one is current, its pages, and the figures that read its days. On both databases."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import TALLY_FIELDS, AuditEvent, Campaign, DailyTally
from fieldapp.periods import campaign_days, current_campaign, deadlines
from fieldapp.reports.weekly import build_weekly, week_bounds
from fieldapp.visits.clock import local_today


def tally(area, day: date, **counts) -> None:
    """Figures for `area`'s building on `day`, as visits there would have written them at every level."""
    for area_id in area.ancestor_ids:
        row = db.session.get(DailyTally, (area_id, day))
        if row is None:
            row = DailyTally(area_id=area_id, day=day, **dict.fromkeys(TALLY_FIELDS, 0))
            db.session.add(row)
        for name, value in counts.items():
            setattr(row, name, getattr(row, name) + value)
    db.session.commit()


def campaign(name: str, starts_on: date, ends_on: date, **deadlines) -> Campaign:
    made = Campaign(name=name, starts_on=starts_on, ends_on=ends_on, **deadlines)
    db.session.add(made)
    db.session.commit()
    return made


def figure(html: str, element_id: str) -> str:
    """The text of the <strong> in the element with this id (e.g. the installs figure)."""
    return re.search(rf'id="{element_id}".*?<strong>([^<]*)</strong>', html, re.S).group(1).strip()


def test_the_current_campaign_is_the_running_one_else_the_last_ended_else_none(app):
    assert current_campaign(date(2030, 1, 1)) is None
    spring = campaign("春季", date(2030, 3, 1), date(2030, 6, 30))
    autumn = campaign("秋季", date(2030, 9, 1), date(2030, 11, 30))
    assert current_campaign(date(2030, 2, 1)) is None  # before the first one starts
    assert current_campaign(date(2030, 4, 1)) == spring
    assert current_campaign(date(2030, 8, 1)) == spring  # between campaigns: the last one that ended
    assert current_campaign(date(2030, 10, 1)) == autumn
    assert campaign_days(spring, date(2030, 4, 1)) == (date(2030, 3, 1), date(2030, 4, 1))
    assert campaign_days(spring, date(2030, 8, 1)) == (date(2030, 3, 1), date(2030, 6, 30))
    assert campaign_days(None) == (None, None)


def test_today_shows_the_campaign_and_its_deadlines_with_days_left(world, browser):
    today = local_today()
    campaign(
        "冬季反诈入户",
        today - timedelta(days=3),
        today + timedelta(days=60),
        first_round_by=today + timedelta(days=16),
        complete_by=today + timedelta(days=40),
    )
    assert deadlines(current_campaign())[0][2] == 16
    browser.login("a-volunteer")
    page = browser.client.get("/today").text
    first_round = today + timedelta(days=16)
    assert "冬季反诈入户" in page
    assert re.search(rf"首轮走访截止</span>\s*<strong>{first_round.month}月{first_round.day}日</strong>", page)
    assert "还剩16天" in page and "还剩40天" in page


def test_area_figures_are_the_campaigns_days_and_a_past_one_reads_through_the_picker(world, browser):
    today = local_today()
    building = world.a.building
    tally(building, today - timedelta(days=40), app_installs=7)  # the past campaign
    tally(building, today - timedelta(days=2), app_installs=3)  # this one
    past = campaign("秋季行动", today - timedelta(days=50), today - timedelta(days=30))
    now = campaign("冬季行动", today - timedelta(days=5), today + timedelta(days=30))
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}").text
    assert figure(page, "installs") == "3" and "冬季行动" in page
    page = browser.client.get(f"/areas/{world.a.area.id}?campaign={past.id}").text
    assert figure(page, "installs") == "7"
    assert f'<option value="{past.id}" selected>' in page and f'<option value="{now.id}">' in page
    # An unknown campaign id reads as the current campaign, never a 500.
    assert figure(browser.client.get(f"/areas/{world.a.area.id}?campaign=999999").text, "installs") == "3"


def test_without_any_campaign_area_pages_count_every_day(world, browser):
    db.session.query(DailyTally).delete()
    for target in world.a.area.id, world.b.area.id:
        db.session.execute(db.text("DELETE FROM targets WHERE area_id = :id"), {"id": target})
    db.session.execute(db.text("DELETE FROM campaigns"))
    db.session.commit()
    tally(world.a.building, local_today() - timedelta(days=400), app_installs=5)
    tally(world.a.building, local_today(), app_installs=1)
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}").text
    assert figure(page, "installs") == "6" and 'name="campaign"' not in page
    assert "首轮走访" not in browser.client.get("/today").text


def test_the_weekly_report_counts_to_date_from_the_campaigns_start(world, browser):
    week_start = week_bounds(local_today())[0]
    tally(world.a.building, week_start - timedelta(days=10), app_installs=100)  # before the campaign
    tally(world.a.building, week_start - timedelta(days=3), app_installs=4)
    tally(world.a.building, week_start, app_installs=2)
    campaign("冬季行动", week_start - timedelta(days=7), week_start + timedelta(days=60))
    data = build_weekly(world.district, week_start)
    station = next(row for row in data["tables"][0]["rows"] if row["name"] == "甲派出所")
    assert station["figures"]["app_installs"]["to_date"] == 6 and station["figures"]["app_installs"]["week"] == 2
    assert data["campaign"] == "冬季行动" and data["since"] == (week_start - timedelta(days=7)).isoformat()
    browser.login("district-admin")
    page = browser.client.get(f"/reports/weekly?week={week_start.isoformat()}").text
    assert "冬季行动" in page


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"ends_on": "2030-02-01"}, "ends_on", "结束日期不能早于开始日期"),
        ({"first_round_by": "2030-07-01"}, "first_round_by", "截止日期须在专项行动期间"),
        ({"complete_by": "2030-02-27"}, "complete_by", "截止日期须在专项行动期间"),
        ({"name": "春季行动"}, "name", "已经存在"),
        ({"starts_on": "not a date"}, "starts_on", ""),
    ],
)
def test_refused_campaigns_show_why_and_write_nothing(world, browser, change, field, message):
    campaign("春季行动", date(2030, 3, 1), date(2030, 6, 30))
    browser.login("district-admin")
    before = db.session.scalar(select(func.count(Campaign.id)))
    form = {
        "name": "夏季行动",
        "starts_on": "2030-03-01",
        "ends_on": "2030-06-30",
        "first_round_by": "",
        "complete_by": "",
    }
    response = browser.post("/campaigns/new", {**form, **change})
    assert response.status_code == 422
    assert message in response.text and 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(func.count(Campaign.id))) == before


def test_an_admin_creates_and_edits_a_campaign_audited(world, browser):
    browser.login("district-admin")
    form = {"name": "春季行动", "starts_on": "2030-03-01", "ends_on": "2030-06-30", "first_round_by": "2030-04-01"}
    assert browser.post("/campaigns/new", {**form, "complete_by": ""}).status_code == 303
    made = db.session.scalar(select(Campaign).where(Campaign.name == "春季行动"))
    assert made.first_round_by == date(2030, 4, 1) and made.complete_by is None
    response = browser.post(f"/campaigns/{made.id}/edit", {**form, "complete_by": "2030-06-01"})
    assert response.status_code == 303
    db.session.refresh(made)
    assert made.complete_by == date(2030, 6, 1)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "campaign")).all()
    assert [e.action for e in events] == ["campaign.create", "campaign.update"]
    assert events[1].before["complete_by"] is None and events[1].after["complete_by"] == "2030-06-01"
    page = browser.client.get("/campaigns").text
    assert "春季行动" in page and "测试战役" in page


def test_everyone_reads_campaigns_but_only_admins_change_them(world, browser):
    made = campaign("春季行动", date(2030, 3, 1), date(2030, 6, 30))
    browser.login("a-supervisor")
    assert browser.client.get("/campaigns").status_code == 200
    assert browser.client.get("/campaigns/new").status_code == 403
    assert browser.client.get(f"/campaigns/{made.id}/edit").status_code == 403
    form = {"name": "改名", "starts_on": "2030-03-01", "ends_on": "2030-06-30"}
    assert browser.post(f"/campaigns/{made.id}/edit", form).status_code == 403
    db.session.refresh(made)
    assert made.name == "春季行动"


def test_the_api_area_figures_are_the_campaigns_days_unless_asked_for_others(world, client):
    from fieldapp.api.tokens import issue_token

    today = local_today()
    tally(world.a.building, today - timedelta(days=40), app_installs=7)
    tally(world.a.building, today - timedelta(days=2), app_installs=3)
    campaign("冬季行动", today - timedelta(days=5), today + timedelta(days=30))
    _token, secret = issue_token(world.a.supervisor, "test", world.admin)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    body = client.get(f"/api/v1/areas/{world.a.area.id}/tallies", headers=headers).get_json()
    assert body["totals"]["app_installs"] == 3 and body["from"] == (today - timedelta(days=5)).isoformat()
    first = (today - timedelta(days=60)).isoformat()
    asked = client.get(f"/api/v1/areas/{world.a.area.id}/tallies?from={first}&to={today}", headers=headers).get_json()
    assert asked["totals"]["app_installs"] == 10
