"""Supervisors and admins add the parts of their area and rename them (issue 14, item 2: create and rename)."""

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, AuditEvent
from fieldapp.tallies import area_totals
from tests.test_tallies import talk


def areas_named(name: str) -> list[Area]:
    return db.session.scalars(select(Area).where(Area.name == name)).all()


def test_a_supervisor_adds_a_grid_and_a_building_below_it(world, browser):
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.community.id}")
    assert f"/areas/{world.a.community.id}/new" in page.text
    response = browser.post(f"/areas/{world.a.community.id}/new", {"level": "grid", "name": " 新三网格 "})
    assert response.status_code == 303
    [grid] = areas_named("新三网格")
    assert grid.parent_id == world.a.community.id and grid.path == f"{world.a.community.path}{grid.id}/"
    response = browser.post(
        f"/areas/{grid.id}/new", {"level": "building", "name": "12号楼", "lat": "30.1", "lon": "120.2"}
    )
    assert response.status_code == 303
    [building] = areas_named("12号楼")
    assert building.parent_id == grid.id and (building.lat, building.lon) == (30.1, 120.2)
    assert building.within(world.a.area)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id.in_([grid.id, building.id])))
    assert sorted(actions) == ["area.create", "area.create"]


def test_a_name_taken_or_a_level_not_below_is_refused_and_nothing_is_added(world, browser):
    browser.login("a-supervisor")
    before = db.session.scalar(select(db.func.count(Area.id)))
    taken = browser.post(f"/areas/{world.a.community.id}/new", {"level": "grid", "name": world.a.grid.name})
    assert taken.status_code == 422 and "这里已有" in taken.text
    above = browser.post(f"/areas/{world.a.community.id}/new", {"level": "station", "name": "新派出所"})
    assert above.status_code == 422
    empty = browser.post(f"/areas/{world.a.community.id}/new", {"level": "grid", "name": "  "})
    assert empty.status_code == 422
    assert db.session.scalar(select(db.func.count(Area.id))) == before


def test_only_supervisors_and_admins_of_the_area_edit_it(world, browser):
    browser.login("a-volunteer")
    assert browser.client.get(f"/areas/{world.a.community.id}/new").status_code == 403
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("b-supervisor")
    assert browser.client.get(f"/areas/{world.a.community.id}/new").status_code == 404
    assert browser.client.get(f"/areas/{world.a.grid.id}/rename").status_code == 404
    assert browser.client.get(f"/areas/{world.b.building.id}/new").status_code == 404  # doors go on the roster


def test_renaming_keeps_the_figures_and_refuses_a_sibling_name_and_ones_own_area(world, browser):
    talk(world, 0, installs=1)
    before = area_totals(world.a.building).app_installs
    browser.login("a-supervisor")
    response = browser.post(f"/areas/{world.a.building.id}/rename", {"name": "1号楼（东）"})
    assert response.status_code == 303
    db.session.refresh(world.a.building)
    assert world.a.building.name == "1号楼（东）" and area_totals(world.a.building).app_installs == before == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "area.rename"))
    assert event.before == {"name": "1号楼"} and event.after == {"name": "1号楼（东）"}
    browser.post(f"/areas/{world.a.grid.id}/new", {"level": "building", "name": "2号楼"})
    clash = browser.post(f"/areas/{world.a.building.id}/rename", {"name": "2号楼"})
    assert clash.status_code == 422 and world.a.building.name == "1号楼（东）"
    assert browser.client.get(f"/areas/{world.a.area.id}/rename").status_code == 403
