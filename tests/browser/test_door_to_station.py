"""In a real phone-sized Chromium: from a door tag to the station's figures, in as few taps as possible.

Screenshots of each page, in Chinese and English, land in test-artifacts/screens/ for a human to look at.
"""

import re

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Visit
from tests.browser.conftest import PHONE, log_in, phone_context

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 640}


def figure(page, figure_id: str) -> int:
    return int(page.locator(f"#{figure_id} strong").inner_text().replace(",", ""))


def covered(page) -> int:
    return int(re.search(r"已入户 ([\d,]+)", page.locator("#coverage .sub").inner_text()).group(1).replace(",", ""))


def stored_visit(live_server, site_id: int) -> Visit:
    with live_server.app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.site_id == site_id).order_by(Visit.id.desc()))
        db.session.expunge(visit)
        return visit


def record_talk_with_one_install(page) -> int:
    """The volunteer's taps at the door: talked, + on installs (people reached follows), save; returns how many."""
    taps = [
        page.locator("label.choice-talked"),
        page.locator('button.step[data-for="app_installs"][data-step="1"]'),
        page.locator("#visit-panel button[type=submit]"),
    ]
    for target in taps:
        target.tap()
    page.wait_for_selector("#visit-panel.done")  # swapped in by htmx, no page load
    return len(taps)


def test_talked_one_install_in_three_taps_with_gps(live_server, chromium, screens):
    base = live_server.base
    door = live_server.uncovered_households("城关派出所", 1)[0]
    site_lat, site_lon = 30.2741, 120.1551
    context = phone_context(
        chromium, geolocation={"latitude": site_lat, "longitude": site_lon, "accuracy": 8}, permissions=["geolocation"]
    )
    page = context.new_page()

    page.goto(f"{base}/h/{door['token']}")  # the URL a door tag holds; logged out, so via login
    page.screenshot(path=screens / "login-zh.png", full_page=True)
    page.fill("#username", "volunteer")
    page.fill("#password", "fieldapp-demo")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(f"/h/{door['token']}$"))  # straight back to the door

    page.goto(f"{base}/areas/{door['station_id']}")
    installs_before, covered_before = figure(page, "installs"), covered(page)

    page.goto(f"{base}/h/{door['token']}")
    assert door["label"] in page.locator("h1").inner_text()
    page.wait_for_selector(".gps-status:not([hidden])")
    page.screenshot(path=screens / "household-zh.png")  # one screen: what the volunteer sees without scrolling
    save = page.locator("#visit-panel button[type=submit]").bounding_box()
    assert save["y"] + save["height"] <= PHONE["height"], "the save button must be on the first screen"

    assert record_talk_with_one_install(page) == 3
    panel = page.locator("#visit-panel").inner_text()
    assert "入户记录已保存" in panel and "安装 1" in panel and "已入户" in panel
    assert "已宣传" in page.locator("#visit-history").inner_text()  # refreshed out of band
    page.screenshot(path=screens / "visit-recorded-zh.png", full_page=True)

    visit = stored_visit(live_server, door["site_id"])
    assert (visit.outcome, visit.people_reached, visit.app_installs) == ("talked", 1, 1)
    assert visit.accuracy_m == 8 and visit.lat == pytest.approx(site_lat) and not visit.gps_missing
    assert visit.device_time is not None

    page.click("text=门户列表")
    page.screenshot(path=screens / "building-zh.png", full_page=True)
    page.goto(f"{base}/areas/{door['station_id']}")
    assert figure(page, "installs") == installs_before + 1
    assert covered(page) == covered_before + 1
    page.screenshot(path=screens / "station-zh.png", full_page=True)
    page.goto(f"{base}/today")
    page.screenshot(path=screens / "today-zh.png", full_page=True)
    context.close()


def test_the_same_with_geolocation_denied(live_server, chromium):
    door = live_server.uncovered_households("城关派出所", 2)[1]
    context = phone_context(chromium)  # no permission granted: the browser denies the position
    page = context.new_page()
    log_in(page, live_server.base)
    page.goto(f"{live_server.base}/h/{door['token']}")
    assert record_talk_with_one_install(page) == 3
    assert "没有定位" in page.locator("#visit-panel").inner_text()
    visit = stored_visit(live_server, door["site_id"])
    assert visit.gps_missing and visit.lat is None and visit.app_installs == 1
    context.close()


def test_pages_fit_a_small_phone_without_sideways_scrolling(live_server, chromium, screens):
    door = live_server.uncovered_households("城关派出所", 3)[2]
    for viewport in (SMALL_PHONE, PHONE):
        context = phone_context(chromium, viewport=viewport)
        page = context.new_page()
        log_in(page, live_server.base)
        for path in ("/today", f"/h/{door['token']}", f"/areas/{door['station_id']}"):
            page.goto(live_server.base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
            small_targets = page.evaluate(
                """() => [...document.querySelectorAll('main a, main button, main label.choice, main summary')]
                     .filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)
                     .map(e => e.textContent.trim().slice(0, 20))"""
            )
            assert small_targets == [], (path, small_targets)
        context.close()


def test_the_same_pages_in_english(live_server, chromium, screens):
    door = live_server.uncovered_households("城关派出所", 4)[3]
    context = phone_context(chromium, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.base}/login")
    page.click("text=English")
    page.screenshot(path=screens / "login-en.png", full_page=True)
    log_in(page, live_server.base)
    page.goto(f"{live_server.base}/h/{door['token']}")
    assert "What happened at the door?" in page.content()
    page.screenshot(path=screens / "household-en.png")
    page.goto(f"{live_server.base}/areas/{door['station_id']}")
    assert "Coverage" in page.content()
    page.screenshot(path=screens / "station-en.png", full_page=True)
    page.goto(f"{live_server.base}/today")
    page.screenshot(path=screens / "today-en.png", full_page=True)
    context.close()
