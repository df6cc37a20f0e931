"""In a real phone-sized Chromium: the demo volunteer records a visit at a door and sees the station count it.

Screenshots of each page, in Chinese and English, land in test-artifacts/screens/ for a human to look at.
"""

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Area, Site
from tests.conftest import app_config, unavailable

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, sqlite_template):
    """The app with the demo district, served over HTTP on a free loopback port."""
    from fieldapp.demo import load_demo

    path = tmp_path_factory.mktemp("live") / "fieldapp.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        load_demo()
        station = db.session.scalar(select(Area).where(Area.name == "城关派出所"))
        # A household of the volunteer's station that nobody has talked to yet.
        site = db.session.scalar(
            select(Site)
            .join(Area, Area.id == Site.building_id)
            .where(
                Area.path.startswith(station.path),
                Site.kind == "household",
                Site.status == "occupied",
                Site.covered_by_visit_id.is_(None),
            )
            .order_by(Site.id)
        )
        door = {"token": site.active_tag.token, "station_id": station.id, "label": site.door_label}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", door
    server.shutdown()


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        unavailable(f"Debian's chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def phone_page(chromium, locale="zh-CN"):
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale=locale)
    return context, context.new_page()


def figure(page, figure_id: str) -> str:
    return page.locator(f"#{figure_id} strong").inner_text()


def test_the_demo_volunteer_records_a_visit_and_the_station_counts_it(live_server, chromium):
    base, door = live_server
    SCREENS.mkdir(parents=True, exist_ok=True)
    context, page = phone_page(chromium)

    page.goto(f"{base}/h/{door['token']}")  # the URL a door tag holds; logged out, so via login
    page.screenshot(path=SCREENS / "login-zh.png", full_page=True)
    page.fill("#username", "volunteer")
    page.fill("#password", "fieldapp-demo")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(f"/h/{door['token']}$"))

    page.goto(f"{base}/areas/{door['station_id']}")
    installs_before = int(figure(page, "installs").replace(",", ""))
    covered_before = page.locator("#coverage .sub").inner_text()
    page.screenshot(path=SCREENS / "station-before-zh.png", full_page=True)

    page.goto(f"{base}/h/{door['token']}")
    assert door["label"] in page.locator("h1").inner_text()
    page.screenshot(path=SCREENS / "household-zh.png", full_page=True)
    page.click("text=已宣传")
    page.fill("#people_reached", "2")
    page.fill("#app_installs", "2")
    page.click("#visit-panel button[type=submit]")
    page.wait_for_selector("#visit-panel.done")  # swapped in by htmx, no page load
    assert "入户记录已保存" in page.locator("#visit-panel").inner_text()
    assert "已宣传" in page.locator("#visit-history").inner_text()  # refreshed out of band
    assert "是" in page.locator("#site-facts").inner_text()
    page.screenshot(path=SCREENS / "visit-recorded-zh.png", full_page=True)
    page.click("text=下一户")  # back to the building's doors
    page.screenshot(path=SCREENS / "building-zh.png", full_page=True)

    page.goto(f"{base}/areas/{door['station_id']}")
    assert int(figure(page, "installs").replace(",", "")) == installs_before + 2
    covered_after = page.locator("#coverage .sub").inner_text()
    assert int(re.search(r"已入户 ([\d,]+)", covered_after).group(1).replace(",", "")) == (
        int(re.search(r"已入户 ([\d,]+)", covered_before).group(1).replace(",", "")) + 1
    )
    page.screenshot(path=SCREENS / "station-zh.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_the_same_pages_in_english(live_server, chromium):
    base, door = live_server
    context, page = phone_page(chromium, locale="en-US")
    page.goto(f"{base}/login")
    page.click("text=English")
    page.screenshot(path=SCREENS / "login-en.png", full_page=True)
    page.fill("#username", "volunteer")
    page.fill("#password", "fieldapp-demo")
    page.click("main button[type=submit]")
    page.goto(f"{base}/h/{door['token']}")
    assert "Record a visit" in page.content()
    page.screenshot(path=SCREENS / "household-en.png", full_page=True)
    page.goto(f"{base}/areas/{door['station_id']}")
    assert "Coverage" in page.content()
    page.screenshot(path=SCREENS / "station-en.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
