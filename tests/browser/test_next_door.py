"""At 390x844: a volunteer walks a building's doors with "next door" only, and sees a rejected visit on Today.

Screenshots (zh and en, phone and desktop) land in test-artifacts/screens/ for a human to look at.
"""

import uuid

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, User, in_use
from fieldapp.review.services import review_visit
from fieldapp.sites.walk import doors_to_cover
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.browser.conftest import PHONE, log_in, phone_context

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
DOORS_TO_WALK = 3
VARIANTS = (("zh", DESKTOP, "zh-desktop"), ("en", PHONE, "en"), ("en", DESKTOP, "en-desktop"))


def building_with_few_doors_left(live_server) -> dict:
    """A building of the volunteer's team with every door covered but DOORS_TO_WALK, one of them with the
    volunteer's "not home" a supervisor rejected. Returns the doors to walk (tag tokens) and the building."""
    with live_server.app.app_context():
        volunteer = db.session.scalar(select(User).where(User.username == "volunteer"))
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        teammate = db.session.scalar(
            select(User).where(User.team_id == volunteer.team_id, User.id != volunteer.id).order_by(User.id)
        )
        community = volunteer.team.assigned_areas[0]
        buildings = db.session.scalars(
            select(Area).where(Area.level == "building", Area.within(community), in_use(Area)).order_by(Area.id.desc())
        )
        building = next(b for b in buildings if all(site.active_tag for site in doors_to_cover(b)))
        doors = doors_to_cover(building)
        walk, rest = doors[:DOORS_TO_WALK], doors[DOORS_TO_WALK:]
        for site in rest:
            record_visit(teammate, site, VisitInput("talked", 1, 0), str(uuid.uuid4()))
        not_home, _ = record_visit(volunteer, walk[1], VisitInput("not_home"), str(uuid.uuid4()))
        db.session.flush()
        review_visit(supervisor, not_home, "rejected", "定位离门户太远，请再去一次")
        db.session.commit()
        return {
            "building_id": building.id,
            "name": building.name,
            "tokens": [site.active_tag.token for site in walk],
            "first": f"/h/{walk[0].active_tag.token}",
            "last": f"/h/{walk[-1].active_tag.token}",
        }


def talk_and_save(page):
    page.locator("label.choice-talked").tap()
    page.locator('button.step[data-for="app_installs"][data-step="1"]').tap()
    page.locator("#visit-panel button[type=submit]").tap()
    page.wait_for_selector("#visit-panel.done")


def test_a_volunteer_covers_a_building_with_next_door_only(live_server, chromium, screens):
    base = live_server.base
    building = building_with_few_doors_left(live_server)
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base)

    # How the next door reads in the other sizes and English (the no-JS page after a save shows the same panel).
    for locale, viewport, suffix in VARIANTS:
        context.add_cookies([{"name": "lang", "value": locale, "url": base}])
        page.set_viewport_size(viewport)
        page.goto(f"{base}{building['first']}?saved=1")
        assert page.locator("#next-door-panel #next-door").count() == 1
        page.screenshot(path=screens / f"next-door-{suffix}.png", full_page=True)
    context.add_cookies([{"name": "lang", "value": "zh", "url": base}])
    page.set_viewport_size(PHONE)

    page.goto(base + building["first"])  # the first door's tag, scanned
    walked = []
    while True:
        assert "/h/" in page.url  # never back to the door list
        walked.append(page.url.rsplit("/h/", 1)[1])
        talk_and_save(page)
        if len(walked) == 1:
            panel = page.locator("#visit-panel")
            assert "已入户" in panel.inner_text()  # the building's progress on the way
            page.screenshot(path=screens / "next-door-zh.png", full_page=True)
        next_door = page.locator("#next-door")
        if next_door.count() == 0:
            break
        href = next_door.get_attribute("href")
        next_door.tap()
        page.wait_for_url(base + href)
    assert walked == building["tokens"]
    assert f"{building['name']} 已全部入户。" in page.locator("#visit-panel").inner_text()
    page.screenshot(path=screens / "next-door-done-zh.png", full_page=True)
    with live_server.app.app_context():
        assert doors_to_cover(db.session.get(Area, building["building_id"])) == []

    # "Today" from the done panel: the rejected visit with its reason, until "知道了".
    page.locator("#visit-panel a[href='/today']").tap()
    page.wait_for_url(f"{base}/today")
    reviews = page.locator("#my-reviews")
    assert "定位离门户太远，请再去一次" in reviews.inner_text() and "已驳回" in reviews.inner_text()
    page.screenshot(path=screens / "today-review-zh.png", full_page=True)
    # The other sizes and English, before it is marked seen.
    for locale, viewport, suffix in VARIANTS:
        context.add_cookies([{"name": "lang", "value": locale, "url": base}])
        page.set_viewport_size(viewport)
        page.goto(f"{base}/today")
        page.screenshot(path=screens / f"today-review-{suffix}.png", full_page=True)
        page.goto(f"{base}{building['last']}?saved=1")
        page.screenshot(path=screens / f"next-door-done-{suffix}.png", full_page=True)
    context.add_cookies([{"name": "lang", "value": "zh", "url": base}])
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/today")
    with page.expect_navigation():
        page.locator("#my-reviews button[type=submit]").tap()
    assert page.locator("#my-reviews").count() == 0
    context.close()
