"""The coverage map in Chromium, on an office PC and on a phone: buildings and the day's visits drawn with no tile
source set (a plain background), markers that open their popups, and a flagged visit that says why."""

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, Site, User, Visit
from fieldapp.trust.score import add_signal
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.browser.conftest import PHONE, log_in, phone_context

pytestmark = pytest.mark.browser

OFFICE = {"width": 1280, "height": 800}


#: The index of the first marker matching a selector that is on top at its own centre (markers overlap where a
#: visit sits at its building's door): the one a user can click.
TOPMOST = """(selector) => [...document.querySelectorAll(selector)].findIndex((marker) => {
  const box = marker.getBoundingClientRect();
  return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === marker;
})"""


def click_marker(page, selector: str) -> None:
    page.locator("#map").scroll_into_view_if_needed()
    index = page.evaluate(TOPMOST, selector)
    assert index >= 0, f"no {selector} can be clicked"
    page.locator(selector).nth(index).click()


def plant_a_flagged_visit(live_server) -> tuple[int, int, str, int]:
    """A visit 500 m north of its door with a burst signal, at a station of the demo: (station id, visit id, its
    door as the map names it, its trust score: the burst and what recording it raised by itself)."""
    with live_server.app.test_request_context("/"):
        station = db.session.scalar(select(Area).where(Area.name == "城关派出所"))
        site = db.session.scalar(
            select(Site)
            .join(Area, Area.id == Site.building_id)
            .where(Area.within(station), Site.lat.is_not(None), Site.status == "occupied")
            .where(Site.id.not_in(select(Visit.site_id)))  # a door of its own: the demo's visits are flagged too
            .order_by(Site.id.desc())
            .limit(1)
        )
        volunteer = db.session.scalar(select(User).where(User.username == "volunteer"))
        data = VisitInput("talked", 1, 1, lat=site.lat + 0.0045, lon=site.lon, accuracy_m=10)
        visit, _created = record_visit(volunteer, site, data, str(uuid.uuid4()))
        add_signal(visit, "burst", 30, {"visits": 12, "minutes": 10})
        db.session.commit()
        return station.id, visit.id, f"{site.building.name} {site.door_label}", visit.trust_score


@pytest.mark.parametrize(("viewport", "name"), [(OFFICE, "office"), (PHONE, "phone")])
def test_a_supervisor_reads_the_coverage_map(live_server, chromium, screens, viewport, name):
    station_id, visit_id, door, score = plant_a_flagged_visit(live_server)
    context = (
        phone_context(chromium, viewport=viewport)
        if viewport is PHONE
        else chromium.new_context(viewport=viewport, locale="zh-CN")
    )
    outside = []
    page = context.new_page()
    page.on("request", lambda request: outside.append(request.url) if live_server.base not in request.url else None)
    log_in(page, live_server.base, "supervisor")
    page.goto(f"{live_server.base}/areas/{station_id}")
    page.locator("#map-link a").click()
    page.wait_for_selector(".map-building")

    # Every placed building of the station is drawn, each colored by its coverage bucket; no tiles are asked for.
    buildings = page.locator(".map-building")
    assert buildings.count() == page.locator("#map-buildings tbody tr").count()
    assert page.locator(".map-building.cov-0, .map-building.cov-1, .map-building.cov-2").count() > 0
    assert page.locator("img.leaflet-tile").count() == 0
    assert outside == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=screens / f"map-{name}-zh.png")

    # A building's marker opens its coverage.
    click_marker(page, ".map-building")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "已入户" in popup.inner_text()

    # The planted visit is a flagged marker (its row flagged in the table too); its popup gives the reasons.
    assert page.locator(f"#visit-{visit_id}.flagged").count() == 1
    page.locator(".leaflet-popup-close-button").click()
    click_marker(page, f'.map-visit.flagged[title$="{door}"]')
    planted_popup = page.locator(".leaflet-popup-content", has_text="大量走访")
    expect(planted_popup).to_be_visible()  # (a string wait_for_function would be refused by our CSP)
    planted = planted_popup.inner_text()
    assert "短时间内大量走访" in planted and "离门牌较远" in planted and f"信任分 {score}" in planted
    assert page.locator(".map-far-line").count() >= 1

    page.goto(f"{live_server.base}/lang/en?next=/areas/{station_id}/map")
    page.wait_for_selector(".map-building")
    assert "Coverage map" in page.inner_text("h1")
    page.screenshot(path=screens / f"map-{name}-en.png")
    context.close()


def test_without_javascript_the_tables_say_the_same(live_server, chromium):
    station_id, visit_id, _door, _score = plant_a_flagged_visit(live_server)
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.base, "supervisor")
    page.goto(f"{live_server.base}/areas/{station_id}/map")
    assert not page.locator("#map").is_visible()
    assert page.locator("#map-buildings tbody tr").count() > 0
    assert "短时间内大量走访" in page.locator(f"#visit-{visit_id}").inner_text()
    context.close()
