"""A supervisor records a 300-person school talk from the phone (390x844), without typing anything but the count."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, OutreachEvent
from tests.browser.conftest import log_in, phone_context

pytestmark = pytest.mark.browser


def reached_this_week(page) -> int:
    """The station page's 人次 of this week's events, e.g. "本周 2 场 330 人次" -> 330."""
    found = re.search(r"本周\s*\d+\s*场\s*([\d,]+)\s*人次", page.locator("#area-events").inner_text())
    return int(found.group(1).replace(",", "")) if found else 0


def test_a_school_talk_is_recorded_from_the_phone_and_counts_at_the_station(live_server, chromium, screens):
    with live_server.app.app_context():
        station_id = db.session.scalar(select(Area.id).where(Area.name == "城关派出所"))
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, live_server.base, "supervisor")
    page.goto(f"{live_server.base}/areas/{station_id}")
    before = reached_this_week(page)  # other tests of this server may have held events this week
    page.locator("#area-events a", has_text="记录宣讲活动").tap()
    expect(page.locator("h1")).to_have_text("记录宣讲活动")
    # Nothing sideways at a phone's width, and the kinds are thumb-sized.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    school = page.locator("label.choice", has_text="进校园宣讲")
    assert school.bounding_box()["height"] >= 44
    school.tap()
    page.fill("#title", "城关小学防诈骗讲座")
    page.fill("#people_reached", "300")
    page.fill("#leaflets", "320")
    page.locator("button[type=submit]", has_text="保存活动").tap()
    expect(page.locator(".flash, [role=status]").first).to_contain_text("300")
    expect(page.locator("#event h1")).to_have_text("城关小学防诈骗讲座")
    page.screenshot(path=screens / "event-recorded-zh.png")

    with live_server.app.app_context():
        event = db.session.scalar(select(OutreachEvent).where(OutreachEvent.title == "城关小学防诈骗讲座"))
        assert (event.kind, event.people_reached, event.leaflets, event.area_id) == ("school", 300, 320, station_id)
    page.goto(f"{live_server.base}/areas/{station_id}")
    assert reached_this_week(page) == before + 300
    context.close()
