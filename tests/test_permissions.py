"""The rulebook: what each role may do, read as a table. Routes, services and templates all ask these."""

from datetime import timedelta

import pytest

from fieldapp import permissions
from fieldapp.database import utcnow
from fieldapp.models import Area, Site, User, Visit

ROLES = ("volunteer", "lead", "supervisor", "admin")

#: predicate -> the roles it allows; anything not listed must be refused.
RULEBOOK = {
    "may_edit_roster": {"lead", "supervisor", "admin"},
    "may_review": {"supervisor", "admin"},
    "may_read_reports": {"supervisor", "admin"},
    "may_publish": {"supervisor", "admin"},
    "may_import_outbox": {"supervisor", "admin"},
    "may_manage_accounts": {"admin"},
    "may_issue_keys": {"admin"},
    "starts_on_walk_list": {"volunteer", "lead"},
    "may_replace_door_tag": {"lead", "supervisor", "admin"},
    "may_see_phone": {"lead", "supervisor", "admin"},
    "may_handle_personal_data": {"supervisor", "admin"},
    "may_look_after_accounts": {"supervisor", "admin"},
    "may_edit_areas": {"supervisor", "admin"},
    "may_manage_teams": {"supervisor", "admin"},
    "may_assign_areas": {"supervisor", "admin"},
    "may_manage_mini_programs": {"admin"},
    "may_manage_campaigns": {"admin"},
    "may_set_targets": {"supervisor", "admin"},
    "may_manage_warnings": {"supervisor", "admin"},
    "may_manage_key_groups": {"admin"},
    "records_visits": {"volunteer"},  # and anyone in a team: see below
    "may_record_events": {"supervisor", "admin"},  # and team leaders: tests/test_events.py
    "may_back_check": {"supervisor", "admin"},
}


@pytest.mark.parametrize("predicate", sorted(RULEBOOK))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_the_rulebook_says(predicate, role):
    assert getattr(permissions, predicate)(User(role=role)) is (role in RULEBOOK[predicate])


def visit_of(volunteer_id: int, minutes_ago: float, area: Area, **state) -> Visit:
    visit = Visit(user_id=volunteer_id, server_time=utcnow() - timedelta(minutes=minutes_ago), review_status="pending")
    visit.building = area
    for name, value in state.items():
        setattr(visit, name, value)
    return visit


STATION = Area(id=2, level="station", name="甲", path="/1/2/")
OTHER_STATION = Area(id=3, level="station", name="乙", path="/1/3/")
BUILDING = Area(id=9, level="building", name="1号楼", path="/1/2/5/9/")


def test_a_volunteer_may_undo_only_their_own_counted_visit_within_five_minutes():
    me = User(id=1, role="volunteer", area=STATION)
    assert permissions.may_undo_visit(me, visit_of(1, 4, BUILDING))
    assert not permissions.may_undo_visit(me, visit_of(1, 6, BUILDING))  # too late
    assert not permissions.may_undo_visit(me, visit_of(2, 1, BUILDING))  # someone else's
    assert not permissions.may_undo_visit(me, visit_of(1, 1, BUILDING, review_status="rejected"))
    assert not permissions.may_undo_visit(me, visit_of(1, 1, BUILDING, undone_at=utcnow()))


@pytest.mark.parametrize("role", ROLES)
def test_only_leads_and_supervisors_of_the_area_correct_a_counted_visit(role):
    inside, outside = User(id=1, role=role, area=STATION), User(id=1, role=role, area=OTHER_STATION)
    expected = role != "volunteer"
    assert permissions.may_correct_visit(inside, visit_of(7, 60, BUILDING)) is expected
    assert not permissions.may_correct_visit(outside, visit_of(7, 60, BUILDING))
    assert not permissions.may_correct_visit(inside, visit_of(7, 60, BUILDING, review_status="rejected"))


@pytest.mark.parametrize("role", ROLES)
def test_only_roster_keepers_of_the_doors_area_edit_it_from_the_door_page(role):
    inside, outside = User(id=1, role=role, area=STATION), User(id=1, role=role, area=OTHER_STATION)
    door = Site(building=BUILDING)
    assert permissions.may_edit_door(inside, door) is (role != "volunteer")
    assert not permissions.may_edit_door(outside, door)


@pytest.mark.parametrize("role", ROLES)
def test_anyone_in_a_team_records_visits(role):
    assert permissions.records_visits(User(role=role, team_id=5))


@pytest.mark.parametrize("role", ROLES)
def test_only_supervisors_of_the_area_review_a_visit_not_taken_back(role):
    inside, outside = User(id=1, role=role, area=STATION), User(id=1, role=role, area=OTHER_STATION)
    expected = role in ("supervisor", "admin")
    assert permissions.may_review_visit(inside, visit_of(7, 60, BUILDING)) is expected
    assert permissions.may_review_visit(inside, visit_of(7, 60, BUILDING, review_status="rejected")) is expected
    assert not permissions.may_review_visit(outside, visit_of(7, 60, BUILDING))
    assert not permissions.may_review_visit(inside, visit_of(7, 60, BUILDING, undone_at=utcnow()))
