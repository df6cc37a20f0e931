"""包片包户: a supervisor gives a station's grids and buildings to teams in bulk, a team leader gives them to
named members, a volunteer finds theirs first on Today, and the station page counts the buildings no team holds."""

import re

from sqlalchemy import select

from fieldapp.areas.services import add_area
from fieldapp.assignments.holdings import holder_of
from fieldapp.assignments.services import assign_to_member, team_holdings
from fieldapp.extensions import db
from fieldapp.models import Area, AuditEvent, MemberAssignment, Team
from fieldapp.teams.services import create_team, join_team, leave_team
from tests.conftest import Browser
from tests.factories import PASSWORD


def big_grid(community: Area, buildings: int = 40) -> tuple[Area, list[Area]]:
    grid = add_area(community, "grid", "二网格")
    return grid, [add_area(grid, "building", f"{number}栋") for number in range(1, buildings + 1)]


def team_of(station: Area, area: Area) -> int | None:
    hold, _areas = team_holdings(station)
    return holder_of(hold, area)


def test_a_supervisor_gives_a_whole_grid_to_a_team_in_one_post(world, browser):
    grid, buildings = big_grid(world.a.community)
    second = create_team(world.a.area, "甲派出所二队")
    db.session.commit()
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}/assignments")
    assert page.status_code == 200
    assert all(f'value="{building.id}"' in page.text for building in buildings)
    answer = browser.post(
        f"/areas/{world.a.area.id}/assignments", {"area": [grid.id], "team_id": second.id, "assign": "1"}
    )
    assert answer.status_code == 303
    assert {team_of(world.a.area, building) for building in buildings} == {second.id}
    # The first team held the whole community: it keeps the rest of it, not the grid it lost.
    assert team_of(world.a.area, world.a.building) == world.a.team.id
    db.session.expire_all()
    assert [area.id for area in world.a.team.assigned_areas] == [world.a.grid.id]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assignments.team")).one()
    assert event.after["areas"] == [grid.id]


def test_giving_buildings_to_a_team_takes_them_and_their_members_from_another(world, browser):
    grid, buildings = big_grid(world.a.community, 5)
    join_team(world.a.lead, world.a.team, "leader")
    assign_to_member(world.a.team, [buildings[0]], world.a.volunteer, world.a.lead)
    second = create_team(world.a.area, "甲派出所二队")
    db.session.commit()
    browser.login("a-supervisor")
    ticked = [buildings[0].id, buildings[1].id]
    answer = browser.post(
        f"/areas/{world.a.area.id}/assignments", {"area": ticked, "team_id": second.id, "assign": "1"}
    )
    assert answer.status_code == 303
    assert [team_of(world.a.area, building) for building in buildings] == [second.id] * 2 + [world.a.team.id] * 3
    assert db.session.get(MemberAssignment, buildings[0].id) is None  # the first team's member lost it too
    answer = browser.post(f"/areas/{world.a.area.id}/assignments", {"area": [grid.id], "team_id": 0, "unassign": "1"})
    assert answer.status_code == 303
    assert {team_of(world.a.area, building) for building in buildings} == {None}


def test_a_supervisor_of_another_station_can_neither_open_nor_give_its_buildings(world, browser):
    browser.login("b-supervisor")
    assert browser.client.get(f"/areas/{world.a.area.id}/assignments").status_code == 404
    crafted = {"area": [world.a.building.id], "team_id": world.b.team.id, "assign": "1"}
    assert browser.post(f"/areas/{world.a.area.id}/assignments", crafted).status_code == 404
    assert browser.post(f"/areas/{world.b.area.id}/assignments", crafted).status_code == 422
    crafted = {"area": [world.b.building.id], "team_id": world.a.team.id, "assign": "1"}
    assert browser.post(f"/areas/{world.b.area.id}/assignments", crafted).status_code == 422
    assert team_of(world.a.area, world.a.building) == world.a.team.id
    assert team_of(world.b.area, world.b.building) == world.b.team.id


def test_a_leader_gives_the_teams_buildings_only_to_its_members(world, browser):
    grid, buildings = big_grid(world.a.community, 3)
    join_team(world.a.lead, world.a.team, "leader")
    outside = add_area(add_area(world.a.area, "community", "西门社区"), "building", "9栋")
    db.session.commit()
    browser.login("a-lead")
    page = browser.client.get(f"/teams/{world.a.team.id}/split")
    assert page.status_code == 200 and f'name="m-{buildings[0].id}"' in page.text
    url = f"/teams/{world.a.team.id}/split"
    give = {"area": [grid.id], "user_id": world.a.volunteer.id, "give": "1"}
    assert browser.post(url, give).status_code == 303
    assert db.session.get(MemberAssignment, grid.id).user_id == world.a.volunteer.id
    for refused in (
        {"area": [buildings[0].id], "user_id": world.b.volunteer.id, "give": "1"},  # not a member
        {"area": [outside.id], "user_id": world.a.volunteer.id, "give": "1"},  # not the team's area
        {"area": [world.b.building.id], "user_id": world.a.volunteer.id, "give": "1"},  # another station
    ):
        assert browser.post(url, refused).status_code == 422
    # One row's picker: the building goes to the leader, the volunteer keeps the rest of the grid.
    assert browser.post(url, {f"m-{buildings[1].id}": world.a.lead.id, "rows": "1"}).status_code == 303
    db.session.expire_all()
    holders = {row.area_id: row.user_id for row in db.session.scalars(select(MemberAssignment))}
    assert holders == {
        buildings[0].id: world.a.volunteer.id,
        buildings[1].id: world.a.lead.id,
        buildings[2].id: world.a.volunteer.id,
    }


def test_a_plain_volunteer_cannot_split_and_another_station_sees_nothing(app, world, browser):
    browser.login("a-volunteer")
    assert browser.client.get(f"/teams/{world.a.team.id}/split").status_code == 403
    give = {"area": [world.a.building.id], "user_id": world.a.volunteer.id, "give": "1"}
    assert browser.post(f"/teams/{world.a.team.id}/split", give).status_code == 403
    assert db.session.scalars(select(MemberAssignment)).all() == []
    outsider = Browser(app.test_client())
    outsider.login("b-volunteer")
    assert outsider.client.get(f"/teams/{world.a.team.id}/split").status_code == 404


def test_today_lists_my_buildings_first_and_leaving_the_team_drops_them(world, browser):
    _grid, buildings = big_grid(world.a.community, 3)
    join_team(world.a.lead, world.a.team, "leader")
    assign_to_member(world.a.team, [buildings[2]], world.a.volunteer, world.a.lead)
    db.session.commit()
    browser.login("a-volunteer", PASSWORD)
    page = browser.client.get("/today").text
    mine = page[page.index('id="my-buildings"') : page.index('id="team-buildings"')]
    assert re.findall(r"<strong>([^<]+)</strong>", mine) == [buildings[2].name]
    assert buildings[0].name in page[page.index('id="team-buildings"') :]
    leave_team(world.a.volunteer)
    db.session.commit()
    assert db.session.scalars(select(MemberAssignment)).all() == []


def test_the_station_page_counts_the_buildings_no_team_holds(app, world, browser):
    community = add_area(world.a.area, "community", "西门社区")
    for number in range(1, 4):
        add_area(add_area(community, "grid", f"{number}网格"), "building", "1栋")
    gone = add_area(community, "building", "拆迁楼")
    gone.archived_at = gone.created_at
    db.session.commit()
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}").text
    box = page[page.index('id="unassigned"') :]
    assert re.search(r"<strong>\D*3\D", box)
    assert f"/areas/{world.a.area.id}/assignments?unassigned=1" in box
    listed = browser.client.get(f"/areas/{world.a.area.id}/assignments?unassigned=1").text
    assert listed.count('class="chip free"') == 3 and world.a.building.name not in listed
    volunteer = Browser(app.test_client())
    volunteer.login("a-volunteer")
    assert 'id="unassigned"' not in volunteer.client.get(f"/areas/{world.a.area.id}").text


def test_only_the_leader_and_supervisors_of_its_area_may_split_a_team(world):
    from fieldapp.permissions import may_split_team_areas

    join_team(world.a.lead, world.a.team, "leader")
    db.session.commit()
    team: Team = world.a.team
    assert may_split_team_areas(world.a.lead, team)
    assert may_split_team_areas(world.a.supervisor, team)
    assert may_split_team_areas(world.admin, team)
    assert not may_split_team_areas(world.a.volunteer, team)
    assert not may_split_team_areas(world.b.supervisor, team)


def test_the_station_page_costs_the_same_queries_for_5_buildings_or_65(world, browser):
    from sqlalchemy import event

    browser.login("a-supervisor")
    url = f"/areas/{world.a.area.id}/assignments"

    def queries() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert browser.client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    big_grid(world.a.community, 5)
    db.session.commit()
    few = queries()
    grid = add_area(world.a.community, "grid", "三网格")
    for number in range(1, 61):
        add_area(grid, "building", f"{number}栋")
    db.session.commit()
    assert queries() == few
