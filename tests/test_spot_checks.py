"""督察回访 on both databases: every volunteer who covered households is sampled, the same seed draws the same
sample, nobody checks their own visits, a failed answer lowers the volunteer's trust scores, a week is drawn once,
and only the station's supervisors draw while an assignee sees only their own checks."""

import re
import uuid

from sqlalchemy import func, select

from fieldapp.admin.services import create_user
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Site, Team, Visit, VisitSignal
from fieldapp.models.trust import SpotCheck, SpotCheckRound
from fieldapp.refusals import Refused
from fieldapp.spotchecks.services import draw_round, reassign_check, sample, week_candidates
from fieldapp.visits.clock import local_today
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.conftest import Browser
from tests.factories import PASSWORD


def add_households(station, count: int, first_floor: int) -> list[Site]:
    sites = [
        Site(building_id=station.building.id, unit="2", floor=floor, room=f"{floor}02", contact_phone="13900001111")
        for floor in range(first_floor, first_floor + count)
    ]
    db.session.add_all(sites)
    db.session.flush()
    return sites


def knock(user, site, outcome="talked") -> Visit:
    data = VisitInput(outcome, 2 if outcome == "talked" else 0, 1 if outcome == "talked" else 0)
    visit, _created = record_visit(user, site, data, str(uuid.uuid4()))
    return visit


def crew(world):
    """Station 甲 with two teams: 张 (team one) covered six households, 李 (team two) two, 王 (team two) only found
    nobody home. A member of each team is left to check the other's."""
    a = world.a
    two = Team(name="甲派出所二队", area=a.area, assigned_areas=[a.community])
    db.session.add(two)
    db.session.flush()
    zhang = a.volunteer
    li = create_user("a-li", PASSWORD, "李志愿者", "volunteer", a.area, two)
    wang = create_user("a-wang", PASSWORD, "王志愿者", "volunteer", a.area, two)
    homes = add_households(a, 8, first_floor=1)
    zhang_visits = [knock(zhang, site) for site in homes[:6]]
    knock(zhang, homes[0])  # a second talk at a door of his: still one household to draw
    li_visits = [knock(li, site) for site in homes[6:]]
    knock(wang, a.sites[0], outcome="not_home")
    db.session.commit()
    return {"zhang": zhang, "li": li, "wang": wang, "zhang_visits": zhang_visits, "li_visits": li_visits}


def logged_in(app, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username)
    return browser


def draw(world, per_volunteer=3, mode="other_team", seed=None, by=None):
    round_ = draw_round(
        world.a.area, local_today(), by or world.a.supervisor, per_volunteer=per_volunteer, mode=mode, seed=seed
    )
    db.session.commit()
    return round_


def test_every_volunteer_who_covered_households_is_sampled_up_to_the_setting(world):
    people = crew(world)
    round_ = draw(world, per_volunteer=3)
    by_volunteer = {}
    for check in round_.checks:
        by_volunteer.setdefault(check.volunteer_id, []).append(check)
        assert check.visit.outcome == "talked" and check.site_id == check.visit.site_id
    # 张 covered six: three drawn; 李 covered two: both; 王 covered none: nobody to check.
    assert {uid: len(checks) for uid, checks in by_volunteer.items()} == {people["zhang"].id: 3, people["li"].id: 2}
    zhang_sites = [check.site_id for check in by_volunteer[people["zhang"].id]]
    assert len(set(zhang_sites)) == 3  # three households, not one household twice
    assert round_.per_volunteer == 3


def test_the_same_seed_draws_the_same_sample_and_the_round_keeps_its_seed(world):
    crew(world)
    strata = week_candidates(world.a.area, local_today())
    first = [visit.id for visit in sample(strata, 41, 3)]
    assert first == [visit.id for visit in sample(strata, 41, 3)]
    # Over a few seeds the draw does change (six households give twenty samples of three).
    assert len({tuple(visit.id for visit in sample(strata, seed, 3)) for seed in range(10)}) > 1
    round_ = draw(world, seed=41)
    assert round_.seed == 41
    assert [check.visit_id for check in round_.checks] == first


def test_nobody_checks_their_own_visits(world):
    people = crew(world)
    # The supervisor knocked too (he is in team one this week): drawn with "me", his own visit goes to someone else.
    supervisor = world.a.supervisor
    supervisor.team_id = world.a.team.id
    own = knock(supervisor, add_households(world.a, 1, first_floor=20)[0])
    db.session.commit()
    round_ = draw(world, mode="me")
    for check in round_.checks:
        assert check.assigned_to_id is not None and check.assigned_to_id != check.volunteer_id
    assert next(c for c in round_.checks if c.visit_id == own.id).assigned_to_id != supervisor.id
    # And reassigning a check to its own volunteer is refused.
    check = next(c for c in round_.checks if c.volunteer_id == people["li"].id)
    try:
        reassign_check(check, people["li"], supervisor)
        raise AssertionError("a volunteer was given their own visit to check")
    except Refused:
        db.session.rollback()
    assert db.session.get(SpotCheck, check.id).assigned_to_id != people["li"].id


def test_other_team_mode_gives_each_visit_to_another_teams_member(world):
    people = crew(world)
    round_ = draw(world, mode="other_team")
    for check in round_.checks:
        assert check.assigned_to.team_id not in (None, check.volunteer.team_id)
    # 张's checks go to team two, spread over its members (the least loaded first).
    zhang_checkers = {c.assigned_to_id for c in round_.checks if c.volunteer_id == people["zhang"].id}
    assert zhang_checkers == {people["li"].id, people["wang"].id}


def answer(app, check, result, client_uuid=None, method="phone"):
    browser = logged_in(app, check.assigned_to.username)
    data = {"method": method, "result": result, "note": "回访", "client_uuid": client_uuid or str(uuid.uuid4())}
    return browser.post(f"/spot-checks/{check.id}", data)


def scores(visits) -> list[int]:
    return [db.session.get(Visit, visit.id).trust_score for visit in visits]


def test_a_failed_answer_lowers_the_checked_visit_and_the_volunteers_week(app, world):
    people = crew(world)
    round_ = draw(world)
    failed = next(c for c in round_.checks if c.volunteer_id == people["zhang"].id)
    response = answer(app, failed, "not_visited")
    assert response.status_code == 303
    checked = db.session.get(Visit, failed.visit_id)
    assert checked.trust_score == 100 - app.config["SPOT_CHECK_FAILED_WEIGHT"]
    others = [v for v in people["zhang_visits"] if v.id != failed.visit_id]
    assert set(scores(others)) == {100 - app.config["SPOT_CHECK_WEEK_WEIGHT"]}
    assert set(scores(people["li_visits"])) == {100}  # another volunteer's week is untouched
    signal = db.session.get(VisitSignal, (checked.id, "failed_spot_check"))
    assert signal.detail["spot_check"] == failed.id
    # A confirmed answer lowers nothing.
    confirmed = next(c for c in round_.checks if c.volunteer_id == people["li"].id)
    answer(app, confirmed, "confirmed")
    assert set(scores(people["li_visits"])) == {100}
    # The heavier weight wins when a failed visit had only its week's lighter signal.
    second = next(c for c in round_.checks if c.volunteer_id == people["zhang"].id and c.id != failed.id)
    answer(app, second, "no_app")
    assert db.session.get(Visit, second.visit_id).trust_score == 100 - app.config["SPOT_CHECK_FAILED_WEIGHT"]
    # Shown on the station page: the failure rate and 张's lower trust score.
    page = logged_in(app, "a-supervisor").client.get(f"/areas/{world.a.area.id}").text
    assert re.search(r'id="spot-checks-failure"[^>]*>66.7%<', page), "2 failed of 3 answered"
    assert re.search(r'id="spot-checks-coverage"[^>]*>60.0%<', page), "3 answered of 5 drawn"
    week = db.session.scalars(select(Visit.trust_score).where(Visit.user_id == people["zhang"].id)).all()
    mean = round(sum(week) / len(week))
    assert mean < 100
    assert f'{people["zhang"].display_name}<br><small class="muted">信任分 <span class="trust">{mean}</span>' in page


def test_an_answer_is_stored_once_and_audited(app, world):
    crew(world)
    check = draw(world).checks[0]
    form_id = str(uuid.uuid4())
    assert answer(app, check, "not_visited", client_uuid=form_id).status_code == 303
    assert answer(app, check, "not_visited", client_uuid=form_id).status_code == 303  # a retry: the same answer
    again = answer(app, check, "confirmed")  # another form, after it was answered: refused, nothing changes
    assert again.status_code == 422 and "这条回访已经记录过结果。" in again.text
    assert db.session.get(SpotCheck, check.id).result == "not_visited"
    page = logged_in(app, check.assigned_to.username).client.get(f"/spot-checks/{check.id}").text
    assert 'id="spot-check-result"' in page and "没人来过" in page and 'name="result"' not in page
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "spot_check.answer")).all()
    assert len(events) == 1 and events[0].area_id == world.a.area.id  # on the station's audit trail


def test_bad_answers_are_refused_in_the_users_language_and_change_nothing(app, world):
    crew(world)
    check = draw(world).checks[0]
    browser = logged_in(app, check.assigned_to.username)
    response = browser.post(f"/spot-checks/{check.id}", {"method": "fax", "result": "maybe", "client_uuid": "x"})
    assert response.status_code == 422
    response = browser.post(f"/spot-checks/{check.id}", {"client_uuid": str(uuid.uuid4())})
    assert response.status_code == 422
    assert "请选择询问方式。" in response.text and "请选择住户的回答。" in response.text  # zh, the default language
    assert db.session.get(SpotCheck, check.id).answered_at is None


def test_tap_to_call_shows_the_number_to_the_assignee_only_and_records_the_reading(app, world):
    crew(world)
    check = draw(world).checks[0]
    browser = logged_in(app, check.assigned_to.username)
    assert "139****1111" in browser.client.get(f"/spot-checks/{check.id}").text
    page = browser.post(f"/spot-checks/{check.id}/call", {})
    assert 'href="tel:13900001111"' in page.text
    reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "site.phone_read")).all()
    assert [event.object_id for event in reads] == [check.site_id]
    # The volunteer whose visit it checks reads no number and no page.
    volunteer = logged_in(app, check.volunteer.username)
    assert volunteer.post(f"/spot-checks/{check.id}/call", {}).status_code == 404
    assert volunteer.client.get(f"/spot-checks/{check.id}").status_code == 404
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "site.phone_read")).all()) == 1


def test_assignees_see_only_their_checks_and_volunteers_never_their_own(app, world):
    people = crew(world)
    round_ = draw(world, mode="other_team")
    zhang = logged_in(app, "a-volunteer")
    today = zhang.client.get("/today").text
    mine = [c for c in round_.checks if c.assigned_to_id == people["zhang"].id]
    assert mine and all(f'/spot-checks/{c.id}"' in today for c in mine)
    for check in round_.checks:
        if check.volunteer_id == people["zhang"].id:
            assert f'/spot-checks/{check.id}"' not in today
            assert zhang.client.get(f"/spot-checks/{check.id}").status_code == 404
    assert zhang.client.get(f"/spot-checks/rounds/{round_.id}").status_code == 403
    assert zhang.post(f"/areas/{world.a.area.id}/spot-checks", {"week": "2026-01-01"}).status_code == 403
    # Another station's supervisor finds neither the round nor the draw.
    other = logged_in(app, "b-supervisor")
    assert other.client.get(f"/spot-checks/rounds/{round_.id}").status_code == 404
    assert other.post(f"/areas/{world.a.area.id}/spot-checks", {"week": "2026-01-01"}).status_code == 404
    # A volunteer's station page has no spot-check section.
    assert 'id="spot-checks"' not in zhang.client.get(f"/areas/{world.a.area.id}").text


def test_a_second_draw_of_the_week_is_refused_visibly_and_writes_nothing(app, world):
    crew(world)
    supervisor = logged_in(app, "a-supervisor")
    form = {"week": local_today().isoformat(), "per_volunteer": "2", "assign": "me"}
    first = supervisor.post(f"/areas/{world.a.area.id}/spot-checks", form)
    assert first.status_code == 303 and "/spot-checks/rounds/" in first.headers["Location"]
    checks = db.session.scalar(select(func.count(SpotCheck.id)))
    second = supervisor.post(f"/areas/{world.a.area.id}/spot-checks", form, follow_redirects=True)
    assert "本所这一周已经抽取过，不能重复抽取。" in second.text
    assert db.session.scalar(select(func.count(SpotCheckRound.id))) == 1
    assert db.session.scalar(select(func.count(SpotCheck.id))) == checks == 4


def test_a_draw_with_bad_input_or_nothing_to_draw_is_refused_visibly(app, world):
    supervisor = logged_in(app, "a-supervisor")
    bad = {"week": local_today().isoformat(), "per_volunteer": "0", "assign": "me"}
    page = supervisor.post(f"/areas/{world.a.area.id}/spot-checks", bad, follow_redirects=True)
    assert "每名志愿者抽取 1 至 20 户。" in page.text
    empty = {**bad, "per_volunteer": "3"}  # nobody covered a household this week
    page = supervisor.post(f"/areas/{world.a.area.id}/spot-checks", empty, follow_redirects=True)
    assert "这一周本所没有入户记录，无可抽取。" in page.text
    assert db.session.scalar(select(func.count(SpotCheckRound.id))) == 0


def test_the_weekly_command_draws_each_station_once(app, world):
    crew(world)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["draw-spot-checks", "--week", local_today().isoformat(), "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "甲派出所: 5 households drawn" in result.output
    assert "乙派出所: not drawn" in result.output  # nobody knocked there this week
    again = runner.invoke(args=["draw-spot-checks", "--week", local_today().isoformat()])
    assert "甲派出所: not drawn" in again.output
    rounds = db.session.scalars(select(SpotCheckRound)).all()
    assert len(rounds) == 1 and rounds[0].seed == 5 and rounds[0].created_by_id is None
    assert all(check.assigned_to_id not in (None, check.volunteer_id) for check in rounds[0].checks)


def test_a_supervisor_reassigns_an_open_check_but_never_to_its_volunteer(app, world):
    people = crew(world)
    check = next(c for c in draw(world, mode="me").checks if c.volunteer_id == people["zhang"].id)
    supervisor = logged_in(app, "a-supervisor")
    refused = supervisor.post(f"/spot-checks/{check.id}/assign", {"assigned_to_id": people["zhang"].id})
    assert refused.status_code == 303
    assert db.session.get(SpotCheck, check.id).assigned_to_id == world.a.supervisor.id
    assert "志愿者不能回访自己的入户。" in supervisor.client.get(refused.headers["Location"]).text
    supervisor.post(f"/spot-checks/{check.id}/assign", {"assigned_to_id": people["li"].id})
    assert db.session.get(SpotCheck, check.id).assigned_to_id == people["li"].id
    moved = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "spot_check.assign"))
    assert moved.before == {"assigned_to": world.a.supervisor.id} and moved.after == {"assigned_to": people["li"].id}
    # Now it is 李's to answer, and no longer the supervisor's.
    assert f'/spot-checks/{check.id}"' in logged_in(app, "a-li").client.get("/today").text
    assert supervisor.client.get(f"/spot-checks/{check.id}").status_code == 404
