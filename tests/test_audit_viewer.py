"""The audit viewer: a supervisor reads their own area's trail (changes, downloads, personal data shown), never
another area's; admins also read the events that belong to no area; filters by who, what and when; paged."""

import re
from datetime import timedelta

from sqlalchemy import select, update

from fieldapp.audit import area_of, audit
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Setting
from fieldapp.review import audit_trail
from fieldapp.visits.clock import local_today
from tests.test_review import talk


def shown(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="event-(\d+)"', html)]


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def some_trail(world, browser):
    """A's lead reads a phone number and downloads A's roster; B's lead does the same in B; a supervisor rejects."""
    for station, lead in ((world.a, "a-lead"), (world.b, "b-lead")):
        browser.login(lead)
        browser.post(f"/sites/{station.sites[0].id}/phone", {})
        assert browser.client.get(f"/areas/{station.community.id}/roster.csv").status_code == 200
        browser.post("/logout", {})
    visit = talk(world, world.a.sites[1])
    browser.login("a-supervisor")
    browser.post(f"/log/visits/{visit.id}", {"status": "rejected", "comment": "假"})
    browser.post("/logout", {})


def test_each_audit_event_carries_the_area_of_what_it_is_about(world, browser):
    some_trail(world, browser)
    reads = events("site.phone_read")
    assert [event.area_id for event in reads] == [world.a.building.id, world.b.building.id]
    assert [event.area_id for event in events("roster.export")] == [world.a.community.id, world.b.community.id]
    assert events("visit.review")[0].area_id == world.a.building.id
    assert area_of(world.a.volunteer) == world.a.area.id and area_of(world.a.team) == world.a.area.id
    assert area_of(Setting(name="k", value="v")) is None


def test_a_supervisor_reads_their_areas_trail_and_never_anothers(world, browser):
    some_trail(world, browser)
    browser.login("a-supervisor")
    page = browser.client.get("/audit")
    assert page.status_code == 200
    ids = set(shown(page.text))
    of_a = {event.id for event in db.session.scalars(select(AuditEvent)) if event.area_id is not None}
    of_a = {i for i in of_a if db.session.get(AuditEvent, i).area_id in area_ids_under(world.a.area)}
    assert ids == of_a and ids
    assert not any(e.id in ids for e in db.session.scalars(select(AuditEvent)) if e.area_id == world.b.building.id)
    assert browser.client.get(f"/audit?area={world.b.area.id}").status_code == 404
    assert "13812341234" not in page.text  # the trail keeps phones masked


def area_ids_under(area) -> set[int]:
    from fieldapp.models import Area

    return set(db.session.scalars(select(Area.id).where(Area.within(area))))


def test_events_without_an_area_show_to_admins_only(world, browser):
    some_trail(world, browser)
    old = audit("site.phone_read", world.a.sites[0])
    db.session.flush()
    db.session.execute(update(AuditEvent).where(AuditEvent.id == old.id).values(area_id=None))  # before area_of
    db.session.commit()
    browser.login("a-supervisor")
    assert old.id not in shown(browser.client.get("/audit").text)
    browser.post("/logout", {})
    browser.login("district-admin")
    everything = shown(browser.client.get("/audit").text)
    assert old.id in everything
    assert {e.id for e in events("site.phone_read")} <= set(everything)
    # On a station's trail, the admin reads that station's events only.
    station = shown(browser.client.get(f"/audit?area={world.b.area.id}").text)
    assert old.id not in station and station
    assert all(db.session.get(AuditEvent, i).area_id in area_ids_under(world.b.area) for i in station)


def test_filters_by_who_what_and_when(world, browser):
    some_trail(world, browser)
    browser.login("a-supervisor")
    by_lead = shown(browser.client.get(f"/audit?who={world.a.lead.id}").text)
    assert by_lead and all(db.session.get(AuditEvent, i).user_id == world.a.lead.id for i in by_lead)
    downloads = shown(browser.client.get("/audit?what=downloads").text)
    assert [db.session.get(AuditEvent, i).action for i in downloads] == ["roster.export"]
    personal = shown(browser.client.get("/audit?what=personal").text)
    assert [db.session.get(AuditEvent, i).action for i in personal] == ["site.phone_read"]
    assert shown(browser.client.get("/audit?what=visit.review").text) == [events("visit.review")[0].id]
    today = local_today()
    assert shown(browser.client.get(f"/audit?first={today.isoformat()}").text)
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert shown(browser.client.get(f"/audit?first={tomorrow}").text) == []
    yesterday = (today - timedelta(days=1)).isoformat()
    assert shown(browser.client.get(f"/audit?last={yesterday}").text) == []


def test_unreadable_filters_are_explained_and_nothing_breaks(world, browser):
    some_trail(world, browser)
    browser.login("a-supervisor")
    everything = shown(browser.client.get("/audit").text)
    page = browser.client.get(f"/audit?who=abc&what=no.such&first=2026-13-45&page=-3&area={2**40}")
    assert page.status_code in (200, 404)
    page = browser.client.get("/audit?who=abc&what=no.such&first=2026-13-45&page=-3")
    assert page.status_code == 200 and 'aria-invalid="true"' in page.text
    assert shown(page.text) == everything


def test_the_trail_is_paged(world, browser, monkeypatch):
    monkeypatch.setattr(audit_trail, "AUDIT_PAGE_SIZE", 2)
    monkeypatch.setattr("fieldapp.review.audit_routes.AUDIT_PAGE_SIZE", 2)
    some_trail(world, browser)
    browser.login("a-supervisor")
    first = browser.client.get("/audit").text
    second = browser.client.get("/audit?page=2").text
    assert len(shown(first)) == 2 and 'rel="next"' in first
    assert shown(second) and not set(shown(first)) & set(shown(second))


def test_volunteers_and_leads_cannot_read_the_trail(world, browser):
    for username in ("a-volunteer", "a-lead"):
        browser.login(username)
        assert browser.client.get("/audit").status_code == 403
        browser.post("/logout", {})
