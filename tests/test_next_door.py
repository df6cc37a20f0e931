"""After a save, the next door not yet covered in walking order; Today lists my disputed visits until seen."""

import re

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Site
from fieldapp.review.services import review_visit
from fieldapp.sites.walk import next_door
from fieldapp.tags.services import mint_tag
from tests.test_review import talk
from tests.test_visits import door_url, visit_form


def add_door(building, unit, floor, room, tagged=True, **fields):
    site = Site(building_id=building.id, unit=unit, floor=floor, room=room, residents=2, lat=30.0, lon=120.0, **fields)
    db.session.add(site)
    db.session.flush()
    if tagged:
        mint_tag(building, site)
    return site


def walk_with_next_door(browser, site):
    """Save a talk at `site` the way htmx does; the tag token the "next door" button opens, or None."""
    response = browser.post(door_url(site), visit_form(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    found = re.search(r'id="next-door" href="/h/([^"]+)"', response.text)
    return response.text, found and found.group(1)


def next_door_site(page: str) -> Site | None:
    """The door the "next door" button opens: by its tag, or (no tag yet) by its id."""
    found = re.search(r'id="next-door" href="(?:/h/([^"]+)|/sites/(\d+)/visit)"', page)
    if not found:
        return None
    if found.group(1):
        return db.session.scalar(select(Site).where(Site.tags.any(token=found.group(1))))
    return db.session.get(Site, int(found.group(2)))


def test_next_door_walks_unit_by_unit_floor_by_floor_skipping_covered_and_vacant(world, browser):
    building = world.a.building  # unit 1: 101, 201, 301, 401 and the vacant 901
    first, second, third, fourth, vacant = world.a.sites
    unit2_low = add_door(building, "2", 1, "102")
    unit10 = add_door(building, "10", 1, "101")  # unit 10 after unit 2
    same_floor = add_door(building, "1", 2, "202")  # after 201, before 301
    untagged = add_door(building, "1", 3, "302", tagged=False)  # no tag yet: opened by its id
    shop = add_door(building, "2", 5, "门面5", kind="shop")  # a shop needs a visit too
    db.session.commit()
    talk(world, third)  # 301 already covered: skipped
    browser.login("a-volunteer")

    order = []
    page, _token = walk_with_next_door(browser, first)
    assert "已入户" in page and "1号楼" in page  # the building's progress on the way
    site = next_door_site(page)
    while site is not None:
        order.append(site.id)
        page, _token = walk_with_next_door(browser, site)
        site = next_door_site(page)
    assert order == [second.id, same_floor.id, untagged.id, fourth.id, unit2_low.id, shop.id, unit10.id]
    assert vacant.id not in order
    assert "1号楼 已全部入户。" in page and 'id="next-door"' not in page


def test_the_last_door_says_the_building_is_done_and_offers_today(world, browser):
    *others, last, _vacant = world.a.sites
    for site in others:
        talk(world, site)
    browser.login("a-volunteer")
    page, token = walk_with_next_door(browser, last)
    assert token is None
    assert "1号楼 已全部入户。" in page and 'href="/today"' in page
    assert next_door(last).building_done


def test_next_door_starts_over_at_the_first_door_not_yet_covered(world, browser):
    first, *_middle, fourth, _vacant = world.a.sites
    browser.login("a-volunteer")
    _page, token = walk_with_next_door(browser, fourth)  # began at the top floor
    assert token == first.active_tag.token


def test_without_javascript_the_door_page_shows_the_next_door_after_the_save(world, browser):
    first, second = world.a.sites[:2]
    response = browser.login("a-volunteer")
    response = browser.post(door_url(first), visit_form())
    assert response.status_code == 303 and response.headers["Location"].endswith("?saved=1")
    page = browser.client.get(response.headers["Location"]).text
    assert f'id="next-door" href="{door_url(second)}"' in page
    assert 'id="next-door"' not in browser.client.get(door_url(first)).text  # only right after a save


def test_a_rejected_visit_shows_on_my_today_with_its_reason_until_seen_and_again_when_reviewed_again(world, browser):
    site = world.a.sites[0]
    visit = talk(world, site)
    review_visit(world.a.supervisor, visit, "rejected", "定位在另一栋楼")
    issues = talk(world, world.a.sites[1])
    review_visit(world.a.supervisor, issues, "has_issues", "人数写错了")
    theirs = talk(world, world.b.sites[0], user=world.b.volunteer)
    review_visit(world.b.supervisor, theirs, "rejected", "别人的驳回")
    db.session.commit()

    browser.login("a-volunteer")
    today = browser.client.get("/today").text
    assert "已驳回" in today and "定位在另一栋楼" in today and door_url(site) in today
    assert "有问题" in today and "人数写错了" in today
    assert "别人的驳回" not in today
    # Someone else's visit id sent along is passed over.
    response = browser.post("/today/reviews/seen", {"visit_id": [visit.id, issues.id, theirs.id]})
    assert response.status_code == 303
    today = browser.client.get("/today").text
    assert "定位在另一栋楼" not in today and "人数写错了" not in today and 'id="my-reviews"' not in today
    db.session.expire_all()
    assert theirs.review_seen_at is None
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "visit.review_seen")).all()) == 2

    review_visit(world.a.supervisor, db.session.get(type(visit), visit.id), "rejected", "照片与门牌不符")
    db.session.commit()
    today = browser.client.get("/today").text
    assert "照片与门牌不符" in today and "人数写错了" not in today

    browser.post("/logout", {})
    browser.login("b-volunteer")
    today = browser.client.get("/today").text
    assert "别人的驳回" in today and "照片与门牌不符" not in today


def test_marking_seen_needs_the_csrf_token(world, browser):
    visit = talk(world, world.a.sites[0])
    review_visit(world.a.supervisor, visit, "rejected", "重复")
    db.session.commit()
    browser.login("a-volunteer")
    assert browser.client.post("/today/reviews/seen", data={"visit_id": visit.id}).status_code == 400
    db.session.expire_all()
    assert visit.review_seen_at is None
