"""Key groups (重点人群): the admin's list, marks on households, revisits due on Today, coverage per area; and
shops, enterprises and schools counted apart from households."""

import re
from datetime import timedelta

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.keygroups.coverage import key_group_coverage, kind_coverage
from fieldapp.keygroups.revisits import due_revisits
from fieldapp.models import AuditEvent, KeyGroup, SiteKeyGroup
from fieldapp.visits.clock import local_today
from fieldapp.visits.rules import VisitInput, visit_problems
from fieldapp.visits.services import record_visit
from tests.test_visits import door_url, visit_form


def add_group(name: str, revisit_days: int | None = None) -> KeyGroup:
    group = KeyGroup(name=name, revisit_days=revisit_days)
    db.session.add(group)
    db.session.flush()
    return group


def mark(site, group) -> None:
    db.session.add(SiteKeyGroup(site_id=site.id, key_group_id=group.id))
    db.session.flush()


def talk(user, site, days_ago: int = 0, people: int = 1):
    """A counted talk at `site`, as if made `days_ago` days ago."""
    import uuid

    visit, _ = record_visit(user, site, VisitInput("talked", people), str(uuid.uuid4()))
    visit.day = local_today() - timedelta(days=days_ago)
    visit.server_time -= timedelta(days=days_ago)
    db.session.commit()
    return visit


def section(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}".*?</section>', html, re.S)
    assert match, f"no #{element_id} on the page"
    return match.group(0)


def test_admin_adds_changes_and_archives_a_key_group_and_each_step_is_audited(world, browser):
    browser.login("district-admin")
    response = browser.post("/key-groups", {"name": "独居老人", "revisit_days": "30"})
    assert response.status_code == 303
    group = db.session.scalars(select(KeyGroup)).one()
    assert (group.name, group.revisit_days) == ("独居老人", 30)

    refused = browser.post("/key-groups", {"name": "独居老人", "revisit_days": "0"})
    assert refused.status_code == 422
    assert db.session.query(KeyGroup).count() == 1

    assert browser.post(f"/key-groups/{group.id}/edit", {"name": "独居老人", "revisit_days": "14"}).status_code == 303
    assert browser.post(f"/key-groups/{group.id}/archive", {}).status_code == 303
    db.session.refresh(group)
    assert group.revisit_days == 14 and group.archived_at is not None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "keygroup")).all()
    assert sorted(actions) == ["key_group.archive", "key_group.create", "key_group.update"]
    assert "独居老人" in browser.client.get("/key-groups").text


def test_a_volunteer_may_not_open_the_key_group_list(world, browser):
    browser.login("a-volunteer")
    assert browser.client.get("/key-groups").status_code == 403


def test_a_lead_marks_a_household_and_the_roster_shows_the_mark(world, browser):
    elderly, students = add_group("独居老人", 30), add_group("学生及家长")
    db.session.commit()
    site = world.a.sites[0]
    browser.login("a-lead")
    form = {"unit": "1", "floor": "1", "room": "101", "residents": "3", "kind": "household", "status": "occupied"}
    response = browser.post(f"/sites/{site.id}/edit", {**form, "key_groups": [str(elderly.id), str(students.id)]})
    assert response.status_code == 303
    marked = db.session.scalars(select(SiteKeyGroup.key_group_id).where(SiteKeyGroup.site_id == site.id)).all()
    assert sorted(marked) == sorted([elderly.id, students.id])
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "site.key_groups")).one()
    assert event.object_id == site.id and event.after == {"key_groups": sorted(["独居老人", "学生及家长"])}
    roster = browser.client.get(f"/buildings/{world.a.building.id}/roster").text
    assert '<span class="badge key-group">独居老人</span>' in roster

    # Unticking one removes only that mark.
    browser.post(f"/sites/{site.id}/edit", {**form, "key_groups": [str(students.id)]})
    marked = db.session.scalars(select(SiteKeyGroup.key_group_id).where(SiteKeyGroup.site_id == site.id)).all()
    assert marked == [students.id]


def test_a_household_talked_to_31_days_ago_is_due_and_29_days_ago_is_not(world):
    elderly = add_group("独居老人", 30)
    late, recent, never = world.a.sites[0], world.a.sites[1], world.a.sites[2]
    for site in (late, recent, never):
        mark(site, elderly)
    talk(world.a.volunteer, late, days_ago=31)
    talk(world.a.volunteer, recent, days_ago=29)
    due = due_revisits(building_ids=[world.a.building.id], today=local_today())
    assert [(d.site.id, d.overdue_days) for d in due] == [(never.id, None), (late.id, 1)]


def test_today_lists_only_the_households_due_in_my_area(world, browser):
    elderly = add_group("独居老人", 30)
    mark(world.a.sites[0], elderly)
    mark(world.b.sites[1], elderly)
    db.session.commit()
    browser.login("a-volunteer")
    listed = section(browser.client.get("/today").text, "revisits")
    assert world.a.sites[0].active_tag.token in listed
    assert world.b.sites[1].active_tag.token not in listed
    assert "独居老人" in listed


def test_key_group_coverage_per_area_counts_marked_households_talked_to(world, browser):
    elderly, victims = add_group("独居老人", 30), add_group("既往受害人", 14)
    for site in world.a.sites[:3]:
        mark(site, elderly)
    mark(world.a.sites[3], victims)
    mark(world.b.sites[0], elderly)
    talk(world.a.volunteer, world.a.sites[0])
    talk(world.a.volunteer, world.a.sites[1])
    talk(world.b.volunteer, world.b.sites[0])
    rows = {row.label: (row.visited, row.total) for row in key_group_coverage(world.a.area, None, None)}
    assert rows == {"独居老人": (2, 3), "既往受害人": (0, 1)}

    browser.login("a-supervisor")
    table = section(browser.client.get(f"/areas/{world.a.area.id}").text, "key-group-coverage")
    assert re.search(r"独居老人</td><td class=\"num\">2/3</td><td class=\"num\">66.7%", table)


def test_a_school_visit_may_count_120_people_and_a_household_is_still_capped(world, browser):
    school, household = world.a.sites[1], world.a.sites[0]
    school.kind = "school"
    db.session.commit()
    assert visit_problems(school, VisitInput("talked", 120, 30)) == {}
    assert "people_reached" in visit_problems(household, VisitInput("talked", 120))
    assert "people_reached" in visit_problems(school, VisitInput("talked", 1000))

    browser.login("a-volunteer")
    response = browser.post(door_url(school), visit_form(people_reached="120", app_installs="30"))
    assert response.status_code == 303
    refused = browser.post(door_url(household), visit_form(people_reached="120"))
    assert refused.status_code == 422
    assert "0 到 99" in refused.text


def test_shops_enterprises_and_schools_are_counted_apart_on_the_area_page(world, browser):
    world.a.sites[1].kind = "school"
    world.a.sites[2].kind = "shop"
    world.a.sites[3].kind = "shop"
    world.b.sites[0].kind = "enterprise"
    db.session.commit()
    talk(world.a.volunteer, world.a.sites[1], people=50)
    talk(world.a.volunteer, world.a.sites[2])
    talk(world.a.volunteer, world.a.sites[0])  # a household: not in these rows
    rows = {kind: (row.visited, row.total) for kind, row in kind_coverage(world.a.area, None, None).items()}
    assert rows == {"shop": (1, 2), "school": (1, 1)}

    browser.login("a-supervisor")
    table = section(browser.client.get(f"/areas/{world.a.area.id}").text, "key-group-coverage")
    assert re.search(r"kind-shop\"><td>商户</td><td class=\"num\">1/2</td>", table)
    assert re.search(r"kind-school\"><td>学校</td><td class=\"num\">1/1</td>", table)
    assert "kind-enterprise" not in table
