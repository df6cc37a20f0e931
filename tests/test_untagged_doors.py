"""Every door is recordable: a door without a tag yet opens by its id from the door list and the roster,
its visits count like any other and say "no tag yet" (未贴门牌), and its tags are one tap away."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Site, Tag, Visit
from fieldapp.tags.services import mint_tag
from fieldapp.tallies import area_totals
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.test_visits import visit_form


def add_door_on_roster(world, browser, room="1201") -> Site:
    browser.login("a-lead")
    response = browser.post(
        f"/buildings/{world.a.building.id}/roster/new",
        {"unit": "1", "floor": "12", "room": room, "residents": "2", "kind": "household", "status": "new"},
    )
    assert response.status_code == 303
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    return db.session.scalar(select(Site).where(Site.room == room))


def test_a_door_added_on_the_roster_is_recorded_by_its_id_before_any_tag_and_counts(world, browser):
    a = world.a
    site = add_door_on_roster(world, browser)
    assert site.active_tag is None
    building_before, station_before = area_totals(a.building), area_totals(a.area)

    browser.login("a-volunteer")
    door_list = browser.client.get(f"/areas/{a.building.id}").text
    assert f'href="/sites/{site.id}/visit"' in door_list  # no longer plain text
    assert "虚线框：未贴门牌" in door_list
    roster = browser.client.get(f"/buildings/{a.building.id}/roster").text
    assert f'href="/sites/{site.id}/visit"' in roster
    page = browser.client.get(f"/sites/{site.id}/visit")
    assert page.status_code == 200
    assert f'action="/sites/{site.id}/visit"' in page.text and "data-tag" not in page.text

    response = browser.post(f"/sites/{site.id}/visit", visit_form(app_installs="1"))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/sites/{site.id}/visit?saved=1")
    visit = db.session.scalar(select(Visit).where(Visit.site_id == site.id))
    assert visit.outcome == "talked" and visit.user_id == a.volunteer.id
    db.session.expire_all()
    building, station = area_totals(a.building), area_totals(a.area)
    assert building.households_covered == building_before.households_covered + 1
    assert station.households_covered == station_before.households_covered + 1
    assert station.app_installs == station_before.app_installs + 1

    # The same fragment as a tag's page when sent by htmx, and the history says so.
    fragment = browser.post(f"/sites/{site.id}/visit", visit_form(outcome="not_home"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="visit-panel"' in fragment.text
    assert "未贴门牌" in browser.client.get(f"/sites/{site.id}/visit").text


def test_another_stations_volunteer_gets_404_at_the_door_by_id(world, browser):
    site = add_door_on_roster(world, browser)
    browser.login("b-volunteer")
    assert browser.client.get(f"/sites/{site.id}/visit").status_code == 404
    assert browser.post(f"/sites/{site.id}/visit", visit_form()).status_code == 404
    assert db.session.scalar(select(Visit).where(Visit.site_id == site.id)) is None
    assert browser.client.get("/sites/2147483648/visit").status_code == 404


def test_a_bad_form_at_a_door_by_id_changes_nothing(world, browser):
    site = add_door_on_roster(world, browser)
    browser.login("a-volunteer")
    response = browser.post(f"/sites/{site.id}/visit", visit_form(outcome="maybe"))
    assert response.status_code == 422
    assert db.session.scalar(select(Visit).where(Visit.site_id == site.id)) is None


def test_the_review_log_marks_a_visit_at_a_door_without_a_tag(world, browser):
    site = add_door_on_roster(world, browser)
    browser.login("a-volunteer")
    browser.post(f"/sites/{site.id}/visit", visit_form())
    tagged = world.a.sites[0]
    browser.post(f"/h/{tagged.active_tag.token}", visit_form())
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})

    browser.login("a-supervisor")
    log = browser.client.get("/log").text
    # A row runs to the next row (its trust reasons are list items of their own).
    untagged_row = log[log.index(f"{site.door_label}</a>") :].split('<li class="log-row')[0]
    tagged_row = log[log.index(f"{tagged.door_label}</a>") :].split('<li class="log-row')[0]
    assert "未贴门牌" in untagged_row and "未贴门牌" not in tagged_row
    assert f'href="/sites/{site.id}/visit"' in log


def test_once_a_tag_is_minted_the_door_list_links_the_tag_and_the_old_visit_keeps_its_mark(world, browser):
    site = add_door_on_roster(world, browser)
    browser.login("a-volunteer")
    browser.post(f"/sites/{site.id}/visit", visit_form())
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})

    browser.login("a-lead")
    roster = browser.client.get(f"/buildings/{world.a.building.id}/roster").text
    assert "1户未贴门牌" in roster  # the gap, with the button that closes it
    response = browser.post(f"/areas/{world.a.building.id}/tags/mint", {"print": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    tag = site.active_tag
    assert tag is not None
    assert f"/areas/{world.a.building.id}/tags.pdf?site={site.id}" in response.headers["Location"]  # just that one
    door_list = browser.client.get(f"/areas/{world.a.building.id}").text
    assert f'href="/h/{tag.token}"' in door_list and f"/sites/{site.id}/visit" not in door_list
    assert "未贴门牌" not in browser.client.get(f"/buildings/{world.a.building.id}/roster").text
    # The door by id now leads to its tag's page; the visit before the tag still says it had none.
    assert browser.client.get(f"/sites/{site.id}/visit").headers["Location"].endswith(f"/h/{tag.token}")
    assert "未贴门牌" in browser.client.get(f"/h/{tag.token}").text


def test_a_volunteer_sees_no_gap_nor_print_button(world, browser):
    add_door_on_roster(world, browser)
    browser.login("a-volunteer")
    assert 'id="tag-gap"' not in browser.client.get(f"/buildings/{world.a.building.id}/roster").text
    assert 'id="tag-gap"' not in browser.client.get(f"/areas/{world.a.building.id}").text


def test_the_no_tag_rule_reads_the_same_in_python_and_in_sql(world):
    """A visit is "no tag yet" when no tag was bound to its door at or before it, and not retired by then."""
    site = world.a.sites[0]
    tag = site.active_tag
    volunteer = world.a.volunteer

    def visit_at(moment):
        visit, _ = record_visit(volunteer, site, VisitInput("not_home"), str(uuid.uuid4()))
        visit.server_time = moment
        db.session.commit()
        return visit

    since = tag.bound_at or tag.created_at
    before = visit_at(since - timedelta(minutes=5))
    after = visit_at(since + timedelta(minutes=5))
    tag.retired_at = since + timedelta(hours=1)  # lost, no new tag yet
    db.session.commit()
    lost = visit_at(since + timedelta(hours=2))
    new_tag = mint_tag(world.a.building, site)  # a new tag on the door three hours on
    new_tag.created_at = new_tag.bound_at = since + timedelta(hours=3)
    db.session.commit()
    db.session.expire_all()

    assert [before.untagged, after.untagged, lost.untagged] == [True, False, True]
    marked = set(db.session.scalars(select(Visit.id).where(Visit.site_id == site.id, Visit.untagged)))
    assert marked == {before.id, lost.id}
    assert db.session.scalar(select(Tag.id).where(Tag.site_id == site.id, Tag.on_door_at(after.server_time))) == tag.id
