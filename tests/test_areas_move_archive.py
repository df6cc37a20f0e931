"""Supervisors and admins move parts of their area and archive them (issue 14, item 2: move and archive).

A move carries every figure from the areas it leaves to the ones it joins; archiving takes a building's
households out of the figures above it and out of every list, while its history stays counted."""

import uuid

import pytest
from sqlalchemy import func, select

from fieldapp.areas.services import add_area
from fieldapp.extensions import db
from fieldapp.models import Area, AuditEvent, MiniProgram, ProgramDailyTally, Visit, VisitProgramRegs
from fieldapp.site_counts import recount_site_differences
from fieldapp.tallies import area_totals, recount_differences
from fieldapp.visits.counting import bump_program_tallies
from fieldapp.visits.rules import VisitInput, VisitRefused
from fieldapp.visits.services import record_visit
from tests.test_tallies import talk


def with_program_regs(visit: Visit, regs: int) -> None:
    """Registrations in one mini-program for a recorded visit, rolled up the way recording does."""
    program = db.session.scalar(select(MiniProgram).limit(1))
    if program is None:
        program = MiniProgram(name="国家反诈中心")
        db.session.add(program)
        db.session.flush()
    entry = VisitProgramRegs(visit_id=visit.id, mini_program_id=program.id, regs=regs)
    db.session.add(entry)
    db.session.flush()
    db.session.refresh(visit)
    bump_program_tallies(visit)
    db.session.commit()


def program_id() -> int:
    return db.session.scalar(select(MiniProgram.id))


def program_differences() -> list[str]:
    """The per-mini-program rollups against a recount of the visits' registrations up the tree."""
    paths = {area.id: area.ancestor_ids for area in db.session.scalars(select(Area))}
    expected: dict[tuple, int] = {}
    for visit, entry in db.session.execute(select(Visit, VisitProgramRegs).join(VisitProgramRegs)):
        for area_id in paths[visit.building_id]:
            key = (area_id, visit.day, entry.mini_program_id)
            expected[key] = expected.get(key, 0) + entry.regs
    stored = {
        (row.area_id, row.day, row.mini_program_id): row.regs for row in db.session.scalars(select(ProgramDailyTally))
    }
    return [
        f"{key}: {stored.get(key, 0)} != {expected.get(key, 0)}"
        for key in set(stored) | set(expected)
        if stored.get(key, 0) != expected.get(key, 0)
    ]


def tree() -> dict[int, tuple]:
    return {
        area.id: (area.parent_id, area.path, area.resident_households, area.residents)
        for area in db.session.scalars(select(Area))
    }


def move(browser, area: Area, parent: Area):
    """The two steps a supervisor takes: choose the new place, then confirm."""
    first = browser.post(f"/areas/{area.id}/move", {"parent": parent.id})
    if first.status_code != 200:
        return first
    assert 'id="move-confirm"' in first.text
    return browser.post(f"/areas/{area.id}/move", {"parent": parent.id, "confirmed": "yes"})


def installs_on_page(browser, area: Area) -> str:
    return browser.client.get(f"/areas/{area.id}").text.split('id="installs"')[1][:200]


def test_moving_a_grid_to_another_station_carries_every_figure(world, browser):
    with_program_regs(talk(world, 0, installs=2, days_ago=3), 2)
    talk(world, 1, installs=1)
    talk(world, 2, installs=1, days_ago=3)
    browser.login("district-admin")
    assert "<strong>4</strong>" in installs_on_page(browser, world.a.area)
    assert f"/areas/{world.a.grid.id}/move" in browser.client.get(f"/areas/{world.a.grid.id}").text

    assert move(browser, world.a.grid, world.b.community).status_code == 303
    db.session.expire_all()
    assert world.a.grid.parent_id == world.b.community.id
    assert world.a.building.path == f"{world.b.community.path}{world.a.grid.id}/{world.a.building.id}/"
    assert recount_differences() == [] and recount_site_differences() == [] and program_differences() == []
    station_a, station_b = area_totals(world.a.area), area_totals(world.b.area)
    assert (station_a.app_installs, station_a.resident_households, station_a.households_covered) == (0, 0, 0)
    assert (station_b.app_installs, station_b.resident_households, station_b.households_covered) == (4, 8, 3)
    assert area_totals(world.b.community).program_regs == {program_id(): 2}
    assert not any(area_totals(world.a.community).program_regs.values())
    assert "<strong>4</strong>" in installs_on_page(browser, world.b.area)
    assert "<strong>4</strong>" in installs_on_page(browser, world.b.community)
    assert "<strong>0</strong>" in installs_on_page(browser, world.a.area)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "area.move"))
    assert event.before["parent_id"] == world.a.community.id and event.after["parent_id"] == world.b.community.id

    # Visits after the move count in the new place, and moving back restores the first figures.
    talk(world, 3, installs=1)
    assert area_totals(world.b.area).app_installs == 5
    assert move(browser, world.a.grid, world.a.community).status_code == 303
    db.session.expire_all()
    assert recount_differences() == [] and recount_site_differences() == [] and program_differences() == []
    assert area_totals(world.a.area).app_installs == 5 and area_totals(world.b.area).app_installs == 0


def test_a_supervisor_moves_a_building_to_a_new_grid_of_the_station(world, browser):
    talk(world, 0, installs=1, days_ago=1)
    grid = add_area(world.a.community, "grid", "甲派出所二网格")
    db.session.commit()
    browser.login("a-supervisor")
    assert move(browser, world.a.building, grid).status_code == 303
    db.session.expire_all()
    assert world.a.building.parent_id == grid.id
    assert recount_differences() == [] and recount_site_differences() == []
    assert area_totals(grid).app_installs == 1 and area_totals(world.a.grid).app_installs == 0
    assert area_totals(grid).resident_households == 4 and area_totals(world.a.area).resident_households == 4


def test_moves_that_would_break_the_tree_are_refused_and_change_nothing(world, browser):
    talk(world, 0, installs=1)
    other_grid = add_area(world.a.community, "grid", "二网格")
    add_area(other_grid, "building", world.a.building.name)
    db.session.commit()
    before = tree()
    browser.login("a-supervisor")
    into_itself = move(browser, world.a.community, world.a.grid)
    assert into_itself.status_code == 422 and "不能移到" in into_itself.text
    wrong_level = move(browser, world.a.grid, other_grid)
    assert wrong_level.status_code == 422 and "上级" in wrong_level.text
    clash = move(browser, world.a.building, other_grid)
    assert clash.status_code == 422 and "已有" in clash.text
    assert move(browser, world.a.building, world.b.grid).status_code == 404
    assert browser.client.get(f"/areas/{world.b.grid.id}/move").status_code == 404
    assert browser.client.get(f"/areas/{world.a.area.id}/move").status_code == 403
    db.session.expire_all()
    assert tree() == before and recount_differences() == []
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "area.move")) == 0


def test_archiving_a_building_takes_its_households_out_until_it_is_restored(world, browser):
    talk(world, 0, installs=1)
    browser.login("a-supervisor")
    assert "已入户 1 / 应入户 4" in browser.client.get(f"/areas/{world.a.area.id}").text
    confirm = browser.client.get(f"/areas/{world.a.building.id}/archive")
    assert confirm.status_code == 200 and 'id="archive-confirm"' in confirm.text
    assert browser.post(f"/areas/{world.a.building.id}/archive", {}).status_code == 303

    db.session.expire_all()
    assert world.a.building.archived_at is not None
    station = browser.client.get(f"/areas/{world.a.area.id}").text
    assert "已入户 1 / 应入户 0" in station  # what was counted stays counted; the households leave
    assert area_totals(world.a.area).app_installs == 1 and area_totals(world.a.building).resident_households == 4
    assert recount_site_differences() == [] and recount_differences() == []
    assert f'/areas/{world.a.building.id}"' not in browser.client.get(f"/areas/{world.a.grid.id}").text
    page = browser.client.get(f"/areas/{world.a.building.id}")
    assert page.status_code == 200 and 'id="archived-banner"' in page.text and "已归档" in page.text
    assert f"/areas/{world.a.building.id}/move" not in page.text
    archived = browser.client.get(f"/areas/{world.a.area.id}/archived").text
    assert world.a.building.name in archived and f"/areas/{world.a.building.id}/restore" in archived

    with pytest.raises(VisitRefused) as refused:
        record_visit(world.a.volunteer, world.a.sites[1], VisitInput("talked", 1, 1), str(uuid.uuid4()))
    assert "已归档" in str(refused.value)
    db.session.rollback()
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("a-volunteer")
    assert f"/areas/{world.a.building.id}" not in browser.client.get("/today").text
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})

    browser.login("a-supervisor")
    assert browser.post(f"/areas/{world.a.building.id}/restore", {}).status_code == 303
    db.session.expire_all()
    assert world.a.building.archived_at is None and area_totals(world.a.area).resident_households == 4
    assert recount_site_differences() == []
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == world.a.building.id))
    assert {"area.archive", "area.restore"} <= set(actions)
    talk(world, 1, installs=1)
    assert area_totals(world.a.area).app_installs == 2


def test_archiving_a_grid_keeps_counts_exact_when_its_doors_change(world, browser):
    browser.login("a-supervisor")
    assert browser.post(f"/areas/{world.a.grid.id}/archive", {}).status_code == 303
    db.session.expire_all()
    world.a.sites[0].status = "vacant"  # a roster edit inside the archived grid moves only the counts below it
    db.session.commit()
    assert recount_site_differences() == []
    assert area_totals(world.a.grid).resident_households == 3 and area_totals(world.a.area).resident_households == 0
    unvisited = browser.client.get(f"/areas/{world.a.area.id}/unvisited").text
    assert world.a.sites[1].room not in unvisited  # its doors leave the unvisited list
    assert f'value="{world.a.grid.id}"' not in browser.client.get("/admin/users/new").text  # and the pickers
    assert move(browser, world.a.building, world.a.community).status_code == 422  # archived: not moved
    refused = browser.post(f"/areas/{world.a.building.id}/restore", {})  # archived with its grid, not itself
    assert refused.status_code == 303 and area_totals(world.a.area).resident_households == 0
    assert browser.post(f"/areas/{world.a.grid.id}/restore", {}).status_code == 303
    db.session.expire_all()
    assert area_totals(world.a.area).resident_households == 3 and recount_site_differences() == []
    assert world.a.sites[1].room in browser.client.get(f"/areas/{world.a.area.id}/unvisited").text


def test_ones_own_area_and_the_district_are_not_archived(world, browser):
    browser.login("a-supervisor")
    assert browser.client.get(f"/areas/{world.a.area.id}/archive").status_code == 403
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("district-admin")
    assert browser.post(f"/areas/{world.district.id}/archive", {}).status_code == 403
    db.session.expire_all()
    assert world.district.archived_at is None and world.a.area.archived_at is None
