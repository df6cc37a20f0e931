"""At the door: GPS checks, undo, correction, the walk list and the door list."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.admin.services import create_user
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Visit
from fieldapp.tallies import area_totals, recount_differences
from fieldapp.visits.rules import VisitInput, VisitLocked, VisitRefused
from fieldapp.visits.services import correct_visit, record_visit, undo_visit
from tests.test_visits import door_url, visit_form

METRE_OF_LATITUDE = 1 / 110_850  # one metre north, in degrees, near 30°N


def visit_at(world, site, metres_north=0.0, accuracy=8.0, **counts):
    data = VisitInput("talked", counts.get("people", 1), counts.get("installs", 1))
    if metres_north is not None:
        data.lat, data.lon, data.accuracy_m = site.lat + metres_north * METRE_OF_LATITUDE, site.lon, accuracy
    visit, _ = record_visit(world.a.volunteer, site, data, str(uuid.uuid4()))
    db.session.commit()
    return visit


def test_a_visit_300_m_from_its_household_is_flagged(world):
    visit = visit_at(world, world.a.sites[0], metres_north=300)
    assert visit.gps_far and not visit.gps_missing and not visit.gps_inaccurate
    assert visit.distance_m == pytest.approx(300, abs=2)


def test_a_visit_10_m_away_with_8_m_accuracy_is_not_flagged(world):
    visit = visit_at(world, world.a.sites[0], metres_north=10, accuracy=8)
    assert visit.gps_flags == []
    assert visit.distance_m == pytest.approx(10, abs=1)


def test_a_vague_fix_is_flagged_but_not_as_far_when_within_its_accuracy(world):
    visit = visit_at(world, world.a.sites[0], metres_north=120, accuracy=150)
    assert visit.gps_flags == ["inaccurate"]


def test_no_fix_is_stored_as_no_gps_and_never_blocks_the_visit(world):
    visit = visit_at(world, world.a.sites[0], metres_north=None)
    assert visit.gps_flags == ["missing"] and visit.distance_m is None
    assert area_totals(world.a.area).visits == 1


def test_a_household_without_coordinates_is_learned_from_accurate_visits(world):
    site = world.a.sites[1]
    site.lat = site.lon = None
    db.session.commit()
    # The building stands in at first: 1 km from it is far.
    building = world.a.building
    data = VisitInput("not_home", lat=building.lat + 1000 * METRE_OF_LATITUDE, lon=building.lon, accuracy_m=5)
    far, _ = record_visit(world.a.volunteer, site, data, str(uuid.uuid4()))
    assert far.gps_far
    # Two accurate fixes near (30.001, 120.0) teach where the door is; a later visit there is not far.
    for _ in range(2):
        data = VisitInput("not_home", lat=30.001, lon=120.0, accuracy_m=10)
        db.session.add(
            Visit(
                client_uuid=str(uuid.uuid4()),
                site_id=site.id,
                building_id=building.id,
                user_id=world.a.volunteer.id,
                outcome="not_home",
                lat=30.001,
                lon=120.0,
                accuracy_m=10,
                day=far.day,
            )
        )
    db.session.commit()
    near, _ = record_visit(
        world.a.volunteer, site, VisitInput("not_home", lat=30.00102, lon=120.0, accuracy_m=10), str(uuid.uuid4())
    )
    assert not near.gps_far and near.distance_m < 5


def test_the_volunteer_sees_a_gentle_note_when_far(world, browser):
    browser.login("a-volunteer")
    site = world.a.sites[0]
    response = browser.post(
        door_url(site),
        visit_form(lat=str(site.lat + 300 * METRE_OF_LATITUDE), lon=str(site.lon)),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "离门牌约 300 米" in response.text


def test_a_not_home_visit_ignores_the_counts_left_on_the_form(world, browser):
    browser.login("a-volunteer")
    response = browser.post(door_url(world.a.sites[0]), visit_form(outcome="not_home", notice_signed="y"))
    assert response.status_code == 303
    visit = db.session.scalar(select(Visit))
    assert (visit.outcome, visit.people_reached, visit.app_installs, visit.notice_signed) == ("not_home", 0, 0, False)
    assert area_totals(world.a.area).app_installs == 0


def test_the_service_refuses_counts_without_a_talk(world):
    with pytest.raises(VisitRefused):
        record_visit(world.a.volunteer, world.a.sites[0], VisitInput("not_home", 1, 1), str(uuid.uuid4()))


def test_a_volunteer_undoes_their_own_visit_and_the_tallies_follow(world, browser):
    site = world.a.sites[0]
    first = visit_at(world, site, installs=1)
    second = visit_at(world, site, people=2, installs=2)
    assert site.covered_by_visit_id == first.id
    browser.login("a-volunteer")
    page = browser.client.get(door_url(site)).text
    assert f"/visits/{first.id}/undo" in page
    response = browser.post(f"/visits/{first.id}/undo", {})
    assert response.status_code == 303
    db.session.refresh(site)
    assert site.covered_by_visit_id == second.id  # the household stays covered, by the next talk
    totals = area_totals(world.a.area)
    assert (totals.visits, totals.app_installs, totals.households_covered) == (1, 2, 1)
    browser.post(f"/visits/{second.id}/undo", {})
    totals = area_totals(world.a.area)
    assert (totals.visits, totals.app_installs, totals.households_covered) == (0, 0, 0)
    assert recount_differences() == []
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "visit.undo")) == 2


def test_undo_is_refused_after_five_minutes_and_for_someone_elses_visit(world):
    visit = visit_at(world, world.a.sites[0])
    with pytest.raises(VisitLocked):
        undo_visit(world.a.supervisor, visit)
    visit.server_time -= timedelta(minutes=6)
    db.session.commit()
    with pytest.raises(VisitLocked):
        undo_visit(world.a.volunteer, visit)
    assert area_totals(world.a.area).visits == 1


def test_a_lead_corrects_a_visit_with_a_reason_and_it_is_audited(world, browser):
    site = world.a.sites[0]
    visit = visit_at(world, site, people=3, installs=3)
    browser.login("a-lead")
    assert browser.client.get(f"/visits/{visit.id}/correct").status_code == 200
    response = browser.post(
        f"/visits/{visit.id}/correct",
        {
            "outcome": "talked",
            "people_reached": "3",
            "app_installs": "1",
            "realname_regs": "1",
            "miniprogram_regs": "0",
            "reason": "住户说只装了一台",
        },
    )
    assert response.status_code == 303
    totals = area_totals(world.a.area)
    assert (totals.app_installs, totals.realname_regs, totals.households_covered) == (1, 1, 1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.correct"))
    assert event.before["app_installs"] == 3 and event.after["app_installs"] == 1
    assert event.after["reason"] == "住户说只装了一台" and event.user_id == world.a.lead.id
    assert "住户说只装了一台" in browser.client.get(door_url(site)).text
    assert recount_differences() == []


def test_correcting_a_talk_to_not_home_uncovers_the_household(world):
    site = world.a.sites[0]
    visit = visit_at(world, site)
    correct_visit(world.a.supervisor, visit, VisitInput("not_home"), "wrong door")
    db.session.commit()
    totals = area_totals(world.a.area)
    assert (totals.households_covered, totals.talked, totals.app_installs, totals.visits) == (0, 0, 0, 1)
    assert site.covered_by_visit_id is None
    assert recount_differences() == []


def test_a_correction_needs_a_reason_and_the_right_role(world, browser):
    visit = visit_at(world, world.a.sites[0])
    browser.login("a-volunteer")
    assert browser.client.get(f"/visits/{visit.id}/correct").status_code == 403
    browser.post("/logout", {})
    browser.login("a-lead")
    response = browser.post(
        f"/visits/{visit.id}/correct",
        {
            "outcome": "talked",
            "people_reached": "1",
            "app_installs": "0",
            "realname_regs": "0",
            "miniprogram_regs": "0",
            "reason": "",
        },
    )
    assert response.status_code == 422
    assert area_totals(world.a.area).app_installs == 1


def test_another_stations_visit_cannot_be_undone_or_corrected(world, browser):
    visit, _ = record_visit(world.b.volunteer, world.b.sites[0], VisitInput("talked", 1, 1), str(uuid.uuid4()))
    db.session.commit()
    create_user("a-admin", "secret-password", "甲所管理员", "admin", world.a.area)
    db.session.commit()
    browser.login("a-admin")
    assert browser.post(f"/visits/{visit.id}/undo", {}).status_code == 404
    assert browser.client.get(f"/visits/{visit.id}/correct").status_code == 404
    assert area_totals(world.b.area).app_installs == 1


def test_the_walk_list_shows_my_teams_buildings_most_doors_left_first(world, browser):
    from fieldapp.areas.services import add_area

    add_area(world.a.grid, "building", "2号楼")  # no doors yet: 0 left
    db.session.commit()
    visit_at(world, world.a.sites[0])
    browser.login("a-volunteer")
    response = browser.client.get("/", follow_redirects=True)
    assert response.request.path == "/today"
    page = response.text
    assert page.index("1号楼") < page.index("2号楼")  # 3 doors left before 0 doors left
    assert "还剩 3 户" in page
    assert "乙派出所" not in page


def test_the_door_list_marks_each_room_with_its_last_outcome(world, browser):
    record_visit(world.a.volunteer, world.a.sites[1], VisitInput("not_home"), str(uuid.uuid4()))
    visit_at(world, world.a.sites[0])
    browser.login("a-volunteer")
    page = browser.client.get(f"/areas/{world.a.building.id}").text
    assert f'class="not_home" href="{door_url(world.a.sites[1])}"' in page
    assert f'class="talked" href="{door_url(world.a.sites[0])}"' in page
