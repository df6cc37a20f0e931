"""Teams ("1+2+N"): one team at a time with history, visits carry the team of the day, who manages which team."""

import uuid

import pytest
from sqlalchemy import select

from fieldapp.admin.services import create_user, update_user
from fieldapp.extensions import db
from fieldapp.models import TeamMembership, Visit
from fieldapp.refusals import Refused
from fieldapp.tallies import people_totals
from fieldapp.teams.services import change_role, create_team, join_team, leave_team
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.factories import PASSWORD


def memberships(user):
    return db.session.scalars(
        select(TeamMembership).where(TeamMembership.user_id == user.id).order_by(TeamMembership.id)
    ).all()


def test_a_person_is_in_one_team_at_a_time_and_keeps_their_history(world):
    volunteer = world.a.volunteer
    second = create_team(world.a.area, "甲派出所二队")
    join_team(volunteer, second, "grid_worker")
    db.session.commit()
    first, now = memberships(volunteer)
    assert (first.team_id, first.ended_at is not None) == (world.a.team.id, True)
    assert (now.team_id, now.role, now.ended_at) == (second.id, "grid_worker", None)
    assert volunteer.team_id == second.id
    change_role(volunteer, "leader")
    leave_team(volunteer)
    db.session.commit()
    assert volunteer.team_id is None
    assert all(row.ended_at is not None for row in memberships(volunteer))


def test_an_account_created_or_edited_into_a_team_has_its_membership(world):
    person = create_user("a-new", PASSWORD, "新人", "volunteer", world.a.area, world.a.team)
    assert [(row.team_id, row.role) for row in memberships(person)] == [(world.a.team.id, "volunteer")]
    other = create_team(world.a.area, "甲派出所二队")
    update_user(person, "新人", "volunteer", world.a.area, other, None)
    update_user(person, "新人", "volunteer", world.a.area, None, None)
    db.session.commit()
    assert [(row.team_id, row.ended_at is None) for row in memberships(person)] == [
        (world.a.team.id, False),
        (other.id, False),
    ]
    assert person.team_id is None


def test_visits_carry_the_team_the_volunteer_was_in_when_they_knocked(world):
    volunteer = world.a.volunteer
    first, _ = record_visit(volunteer, world.a.sites[0], VisitInput("talked", 1, 1, 0), str(uuid.uuid4()))
    db.session.commit()
    second_team = create_team(world.a.area, "甲派出所二队")
    join_team(volunteer, second_team, "volunteer")
    db.session.commit()
    second, _ = record_visit(volunteer, world.a.sites[1], VisitInput("talked", 2, 2, 0), str(uuid.uuid4()))
    db.session.commit()
    assert (db.session.get(Visit, first.id).team_id, second.team_id) == (world.a.team.id, second_team.id)
    teams = {team.name: figures["app_installs"] for team, figures in people_totals(world.a.area)["teams"]}
    assert teams == {"甲派出所一队": 1, "甲派出所二队": 2}


def test_a_team_has_one_leader_and_takes_people_of_its_area_only(world):
    join_team(world.a.supervisor, world.a.team, "leader")
    with pytest.raises(Refused, match="已有队长"):
        join_team(world.a.lead, world.a.team, "leader")
    with pytest.raises(Refused):
        join_team(world.b.volunteer, world.a.team, "volunteer")
    with pytest.raises(Refused):
        create_team(world.a.area, "甲派出所一队")
    create_team(world.b.area, "甲派出所一队")  # the same name at another station is another team


def test_a_supervisor_builds_a_team_from_the_pages(world, browser):
    browser.login("a-supervisor")
    created = browser.post("/teams", {"name": "城关一队", "area_id": world.a.area.id})
    assert created.status_code == 303
    team_url = created.headers["Location"]
    team_id = int(team_url.rsplit("/", 1)[1])
    add = f"/teams/{team_id}/members"
    assert browser.post(add, {"user_id": world.a.lead.id, "role": "leader"}).status_code == 303
    assert browser.post(add, {"user_id": world.a.volunteer.id, "role": "volunteer"}).status_code == 303
    assert browser.post(add, {"user_id": world.b.volunteer.id, "role": "volunteer"}).status_code == 422
    second_leader = browser.post(add, {"user_id": world.a.supervisor.id, "role": "leader"})
    assert second_leader.status_code == 422 and "已有队长" in second_leader.text
    role = f"/teams/{team_id}/members/{world.a.volunteer.id}/role"
    assert browser.post(role, {"role": "grid_worker"}).status_code == 303
    page = browser.client.get(team_url).text
    assert "队长（民警/辅警）" in page and "网格员" in page and "甲派出所楼栋长" in page
    assert "甲派出所一队" in page  # the volunteer's history: their earlier team
    remove = f"/teams/{team_id}/members/{world.a.volunteer.id}/remove"
    assert browser.post(remove, {}).status_code == 303
    assert world.a.volunteer.team_id is None
    assert "原队员" in browser.client.get(team_url).text


def test_a_supervisor_cannot_manage_another_stations_team(world, browser):
    browser.login("b-supervisor")
    team = world.a.team.id
    assert browser.client.get(f"/teams/{team}").status_code == 404
    add = browser.post(f"/teams/{team}/members", {"user_id": world.b.volunteer.id, "role": "volunteer"})
    assert add.status_code == 404
    assert browser.post(f"/teams/{team}/rename", {"name": "乙"}).status_code == 404
    assert "甲派出所一队" not in browser.client.get("/teams").text


def test_a_volunteer_sees_their_own_team_but_cannot_manage(world, browser):
    browser.login("a-volunteer")
    page = browser.client.get(f"/teams/{world.a.team.id}")
    assert page.status_code == 200 and "甲派出所志愿者" in page.text and "/members" not in page.text
    assert browser.client.get("/teams").status_code == 403
    add = browser.post(f"/teams/{world.a.team.id}/members", {"user_id": world.a.lead.id, "role": "volunteer"})
    assert add.status_code == 403
    assert browser.client.get(f"/teams/{world.b.team.id}").status_code == 404
