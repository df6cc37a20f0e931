"""In a phone-sized Chromium: a door the lead adds on the roster is recorded by a volunteer before any tag exists,
opened from the building's door list, and the station's coverage moves."""

import re

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, Site
from tests.browser.conftest import log_in, phone_context
from tests.browser.test_door_to_station import covered, record_talk_with_one_install

pytestmark = pytest.mark.browser


def lead_building(live_server) -> tuple[int, int]:
    """A building of the demo lead's community (东门社区) and its station's id."""
    with live_server.app.app_context():
        community = db.session.scalar(select(Area).where(Area.name == "东门社区"))
        building = db.session.scalar(
            select(Area).where(Area.level == "building", Area.path.startswith(community.path)).order_by(Area.id)
        )
        return building.id, community.parent_id


def test_a_door_added_on_the_roster_is_recorded_from_the_door_list_before_it_has_a_tag(live_server, chromium, screens):
    base = live_server.base
    building_id, station_id = lead_building(live_server)

    lead = phone_context(chromium).new_page()
    log_in(lead, base, "lead")
    lead.goto(f"{base}/buildings/{building_id}/roster/new")
    lead.fill("#unit", "1")
    lead.fill("#floor", "9")
    lead.fill("#room", "909")
    lead.fill("#residents", "3")
    lead.click("main button[type=submit]")
    lead.wait_for_url(re.compile(f"/buildings/{building_id}/roster$"))
    gap = lead.locator("#tag-gap")
    assert "未贴门牌" in gap.inner_text() and gap.locator("button").is_visible()  # the lead can print it
    lead.screenshot(path=screens / "roster-untagged-gap-zh.png")
    with live_server.app.app_context():
        site_id = db.session.scalar(select(Site.id).where(Site.building_id == building_id, Site.room == "909"))
    lead.context.close()

    volunteer = phone_context(chromium).new_page()
    log_in(volunteer, base, "volunteer")
    volunteer.goto(f"{base}/areas/{station_id}")
    covered_before = covered(volunteer)

    volunteer.goto(f"{base}/areas/{building_id}")
    door = volunteer.locator(f'.rooms a[href="/sites/{site_id}/visit"]')
    assert "909" in door.inner_text()
    door.tap()
    volunteer.wait_for_url(re.compile(f"/sites/{site_id}/visit$"))
    assert "909" in volunteer.locator("h1").inner_text()
    volunteer.screenshot(path=screens / "door-by-id-zh.png")
    record_talk_with_one_install(volunteer)
    assert "入户记录已保存" in volunteer.locator("#visit-panel").inner_text()
    assert "未贴门牌" in volunteer.locator("#visit-history").inner_text()  # the new line, swapped in by htmx

    volunteer.goto(f"{base}/areas/{station_id}")
    assert covered(volunteer) == covered_before + 1
    volunteer.context.close()
