"""预警劝阻 in a real Chromium on a phone: a warning imported at 09:00 reaches the volunteer's Today with its
countdown, the call and the face-to-face visit are recorded from the phone (with GPS), the station counts it on
time; a second warning left alone turns overdue (the warnings' clock is moved, never waited for) and counts late,
shows as the weekly report's "not yet routed" row, and is withdrawn by mistake and restored."""

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, Site
from fieldapp.models.outreach import FraudWarning
from fieldapp.visits.clock import deployment_zone
from fieldapp.warnings import deadlines
from tests.browser.conftest import log_in, phone_context

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 800}


class WarningClock:
    """The warnings' clock, set to a local time of today (the live server runs in this process)."""

    def __init__(self, monkeypatch, app):
        self.monkeypatch = monkeypatch
        with app.app_context():
            self.zone = deployment_zone()
        self.today = datetime.now(self.zone).date()

    def set(self, hour: int, minute: int = 0) -> None:
        local = datetime.combine(self.today, time(hour, minute), tzinfo=self.zone)
        moment = local.astimezone(UTC).replace(tzinfo=None)
        self.monkeypatch.setattr(deadlines, "utcnow", lambda: moment)


def household_with_phone(app) -> tuple[str, str, int]:
    """(phone, door, station id) of a 东门社区 household whose phone no other household shares."""
    with app.app_context():
        community = db.session.scalar(select(Area).where(Area.name == "东门社区"))
        sites = db.session.scalars(
            select(Site)
            .join(Area, Area.id == Site.building_id)
            .where(Area.within(community), Site.contact_phone.is_not(None))
            .order_by(Site.id)
        ).all()
        for site in sites:
            if db.session.scalar(select(db.func.count()).where(Site.contact_phone == site.contact_phone)) == 1:
                return site.contact_phone, site.door_label, community.parent_id
    raise AssertionError("the demo has no household with a phone")


def import_csv(page, base: str, rows: str) -> None:
    page.goto(f"{base}/warnings/import")
    csv = "预警编号,预警时间,电话,地址,类别\n" + rows
    page.set_input_files("#file", files=[{"name": "预警.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_a_warning_is_followed_up_on_time_from_the_phone_and_one_left_alone_turns_late(
    live_server, chromium, monkeypatch, screens
):
    base, clock = live_server.base, WarningClock(monkeypatch, live_server.app)
    phone, _door, station_id = household_with_phone(live_server.app)
    day = clock.today.isoformat()

    # 09:00: the station's supervisor imports the platform's warning; it finds the household by its phone.
    clock.set(9, 0)
    desk = chromium.new_context(viewport=DESK, locale="zh-CN")
    supervisor = desk.new_page()
    log_in(supervisor, base, "supervisor")
    import_csv(supervisor, base, f"YJ-B-001,{day} 09:00,{phone},,刷单返利\n")
    assert "1" in supervisor.locator(".flash-success").inner_text()
    with live_server.app.app_context():
        warning = db.session.scalar(select(FraudWarning).where(FraudWarning.external_id == "YJ-B-001"))
        assert warning.site_id is not None
        first_id = warning.id
    # Nobody is responsible for that building by name: the supervisor assigns the volunteer.
    supervisor.goto(f"{base}/warnings/{first_id}")
    supervisor.select_option("#assigned_to_id", label="志愿者 小陈 (volunteer)")
    supervisor.click("#warning-route button[type=submit]")
    supervisor.wait_for_load_state()

    # 09:03: the volunteer's Today has it at the very top, 7 minutes left for the call; the phone is masked.
    clock.set(9, 3)
    context = phone_context(
        chromium, permissions=["geolocation"], geolocation={"latitude": 30.2745, "longitude": 120.1560, "accuracy": 12}
    )
    volunteer = context.new_page()
    log_in(volunteer, base, "volunteer")
    volunteer.goto(f"{base}/today")
    top = volunteer.locator("main > *").first
    assert top.get_attribute("id") == "my-warnings"
    item = volunteer.locator("#my-warnings li").first
    assert "还剩 7 分钟" in item.inner_text()
    assert phone not in volunteer.content() and phone[-4:] in item.inner_text()
    volunteer.screenshot(path=screens / "warning-today-zh.png")

    # The call, reached; then at 10:30 the face-to-face visit, money stopped.
    item.locator("a").click()
    volunteer.wait_for_load_state()
    volunteer.wait_for_function("document.querySelector('#visit-panel input[name=lat]').value !== ''")
    volunteer.screenshot(path=screens / "warning-call-zh.png")
    volunteer.check("input[name=result][value=reached]")
    volunteer.click("#visit-panel button[type=submit]")
    volunteer.wait_for_load_state()
    assert volunteer.locator(".flash-success").count() == 1
    clock.set(10, 30)
    volunteer.reload()
    volunteer.wait_for_function("document.querySelector('#visit-panel input[name=lat]').value !== ''")
    volunteer.check("input[name=result][value=done]")
    volunteer.check("input[name=money_stopped][value=yes]")
    volunteer.fill("#amount_stopped", "5000")
    volunteer.fill("#note", "已劝阻，未转账")
    volunteer.click("#visit-panel button[type=submit]")
    volunteer.wait_for_load_state()
    steps = volunteer.locator("#warning-steps").inner_text()
    assert steps.count("GPS ±12 m") == 2
    assert volunteer.locator("#warning-facts .badge.ok").count() == 1
    volunteer.screenshot(path=screens / "warning-done-zh.png", full_page=True)
    volunteer.goto(f"{base}/today")
    assert volunteer.locator("#my-warnings").count() == 0

    # The station: 1 received, 1 on time.
    supervisor.goto(f"{base}/areas/{station_id}")
    assert supervisor.locator("#warnings-received").inner_text().endswith("1")
    assert supervisor.locator("#warnings-on-time").inner_text().endswith("1")
    assert supervisor.locator("#warnings-rate").inner_text() == "100.0%"

    # 11:00: a second warning no household matches waits at the station; nobody follows it up.
    clock.set(11, 0)
    import_csv(supervisor, base, f"YJ-B-002,{day} 11:00,,滨江路88号,冒充客服\n")
    supervisor.goto(f"{base}/warnings?show=overdue")
    assert supervisor.locator("tr.is-overdue").count() == 0
    # 11:11: its call is overdue: red on the supervisor's list, and late on the station page.
    clock.set(11, 11)
    supervisor.goto(f"{base}/warnings?show=overdue")
    late_row = supervisor.locator("tr.is-overdue")
    assert late_row.count() == 1 and "滨江路88号" in late_row.inner_text()
    assert "已超时 1 分钟" in late_row.inner_text()
    assert late_row.locator(".countdown").evaluate("e => getComputedStyle(e).color") == "rgb(179, 38, 30)"
    supervisor.screenshot(path=screens / "warning-list-overdue-zh.png")
    supervisor.goto(f"{base}/areas/{station_id}")
    assert supervisor.locator("#warnings-received").inner_text().endswith("2")
    assert supervisor.locator("#warnings-on-time").inner_text().endswith("1")
    assert supervisor.locator("#warnings-late").inner_text().endswith("1")
    assert supervisor.locator("#warnings-rate").inner_text() == "50.0%"

    # The weekly report: the one left at the station is each table's "not yet routed" row.
    supervisor.goto(f"{base}/reports/weekly")
    unrouted = supervisor.locator("#warnings-community tr.unrouted")
    assert unrouted.locator("td").first.inner_text() == "– 未分派"
    assert unrouted.locator("td").nth(1).inner_text().startswith("1")
    supervisor.locator("#weekly-warnings").screenshot(path=screens / "weekly-warnings-unrouted-zh.png")

    # Withdrawn by mistake, then restored: it counts late again, its deadline as it was.
    late_id = db_id(live_server.app, "YJ-B-002")
    supervisor.goto(f"{base}/warnings/{late_id}")
    supervisor.click("#warning-withdraw summary")
    supervisor.fill("#reason", "误撤")
    supervisor.click("#warning-withdraw button[type=submit]")
    supervisor.wait_for_load_state()
    supervisor.screenshot(path=screens / "warning-withdrawn-restore-zh.png")
    supervisor.click("#warning-restore button[type=submit]")
    supervisor.wait_for_load_state()
    assert "预警已恢复" in supervisor.locator(".flash-success").inner_text()
    assert supervisor.locator("#warning-facts dd.error").count() == 1  # the call, overdue
    supervisor.goto(f"{base}/areas/{station_id}")
    assert supervisor.locator("#warnings-received").inner_text().endswith("2")
    assert supervisor.locator("#warnings-late").inner_text().endswith("1")
    context.close()
    desk.close()


def db_id(app, number: str) -> int:
    with app.app_context():
        return db.session.scalar(select(FraudWarning.id).where(FraudWarning.external_id == number))
