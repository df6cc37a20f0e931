"""Trust signals: what faked visits leave (too fast, one fix on many doors, bursts, uniform installs, outside the
station, a wrong clock, a late phone) is found when a visit is recorded, scored, explained and reviewed first;
honest walks raise nothing."""

import math
import uuid
from datetime import timedelta

from sqlalchemy import select

from bench.trust_day import DAY, START, generate_day, server_clock
from fieldapp.areas import people as area_people
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import UserDailyTally, Visit, VisitSignal
from fieldapp.review.services import day_log, review_visit
from fieldapp.tallies import recount_differences
from fieldapp.trust.score import add_signal
from fieldapp.trust.signals import reason
from fieldapp.visits.clock import local_day_start, local_today
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import correct_visit, record_visit

METRE = 1 / 111_320  # of latitude


class Walk:
    """One volunteer's day at station A of the test world, recorded through record_visit on a set clock.

    Each fix lies `north`/`east` metres from the building (30.0, 120.0); the server receives each visit 3 s after
    the phone made it (unless `sent_after` says otherwise), so the signals are those found on arrival."""

    def __init__(self, world, user=None, start=START):
        self.world, self.user = world, user or world.a.volunteer
        self.at = start

    def visit(self, door=0, after=180, north=8.0, east=0.0, accuracy=12.0, outcome="talked", installs=1, **kw):
        self.at += timedelta(seconds=after)
        site = self.world.a.sites[door]
        sent_after = kw.pop("sent_after", timedelta(seconds=3))
        clock_ahead = kw.pop("clock_ahead", timedelta(0))
        data = VisitInput(
            outcome,
            people_reached=installs + 1 if outcome == "talked" else 0,
            app_installs=installs,
            realname_regs=installs,
            lat=30.0 + north * METRE,
            lon=120.0 + east * METRE / math.cos(math.radians(30.0)),
            accuracy_m=accuracy,
            device_time=self.at + clock_ahead,
            sent_time=self.at + sent_after + clock_ahead,
        )
        with server_clock() as now:
            now["at"] = self.at + sent_after
            visit, _created = record_visit(self.user, site, data, kw.pop("client_uuid", str(uuid.uuid4())))
        db.session.commit()
        return visit


def signals(visit) -> dict[str, dict]:
    rows = db.session.scalars(select(VisitSignal).where(VisitSignal.visit_id == visit.id))
    return {row.signal: row.detail for row in rows}


def honest_morning(walk: Walk) -> list:
    """Twelve doors in one building: talks of 3-6 minutes, closed doors a minute apart, fixes 5-20 m off in every
    direction with their accuracy, installs from 0 to 3."""
    plan = [
        (0, 0, 12, -5, "talked", 2),
        (1, 240, -9, 14, "not_home", 0),
        (2, 70, 18, 3, "talked", 1),
        (3, 330, -4, -16, "talked", 0),
        (0, 260, 6, 9, "refused", 0),
        (1, 45, -15, -7, "talked", 3),
        (2, 300, 11, 12, "talked", 1),
        (3, 280, -19, 2, "not_home", 0),
        (0, 65, 7, -13, "talked", 2),
        (1, 350, -3, 17, "talked", 1),
        (2, 200, 14, -10, "talked", 1),
        (3, 220, -12, -11, "talked", 0),
    ]
    return [
        walk.visit(door, after, north, east, accuracy=math.hypot(north, east) + 4, outcome=outcome, installs=installs)
        for door, after, north, east, outcome, installs in plan
    ]


def test_an_honest_walk_raises_nothing_and_keeps_full_trust(world):
    visits = honest_morning(Walk(world))
    assert [signals(visit) for visit in visits] == [{}] * len(visits)
    assert {visit.trust_score for visit in visits} == {100}


def test_a_fix_farther_than_cycling_from_the_previous_door_is_too_fast_with_its_speed(world):
    walk = Walk(world)
    walk.visit(north=5)
    walking = walk.visit(door=1, after=180, north=150)  # 145 m in 3 minutes: a walk to the next building
    driven = walk.visit(door=2, after=180, north=2150)  # 2 km in 3 minutes: 40 km/h
    assert signals(walking) == {}
    found = signals(driven)["too_fast"]
    # Only the metres beyond both fixes' accuracy count: (2000 - 24) m in 180 s.
    assert found["kmh"] == round((2000 - 24) / 1000 / (180 / 3600))
    assert reason("too_fast", found) == f"与上一户之间时速 {found['kmh']} 公里"
    assert driven.trust_score == 100 - 30 - 30  # and it is outside the station, too


def test_gps_noise_between_doors_a_minute_apart_is_not_speed(world):
    walk = Walk(world)
    walk.visit(north=-20, accuracy=25)
    noisy = walk.visit(door=1, after=30, north=60, accuracy=30)  # 80 m apart, but both fixes say ±25-30 m
    assert "too_fast" not in signals(noisy)


def test_the_same_fix_on_a_third_door_is_flagged_but_two_neighbours_sharing_a_cached_fix_are_not(world):
    walk = Walk(world)
    first = walk.visit(door=0, north=3.0, east=4.0)
    second = walk.visit(door=1, north=3.2, east=4.1)  # a stairwell's cached fix on the door next to it
    again_first_door = walk.visit(door=0, north=3.0, east=4.0)  # the same door again is no other door
    third = walk.visit(door=2, north=3.1, east=3.9)
    assert signals(first) == signals(second) == signals(again_first_door) == {}
    assert signals(third) == {"same_fix": {"doors": 3}}
    assert third.trust_score == 75


def test_twelve_visits_in_ten_minutes_are_a_burst_from_the_twelfth(world):
    walk = Walk(world)
    visits = [walk.visit(door=n % 4, after=40, north=8 + n, outcome="not_home", installs=0) for n in range(12)]
    assert all("burst" not in signals(visit) for visit in visits[:11])
    assert signals(visits[11])["burst"] == {"visits": 12, "minutes": 10}
    assert reason("burst", signals(visits[11])["burst"]) == "10 分钟内走访 12 户"


def test_the_talk_that_completes_a_day_of_identical_installs_is_flagged(world):
    walk = Walk(world)
    talks = [walk.visit(door=n % 4, after=300, north=5 + 2 * n, installs=1) for n in range(9)]
    assert all("uniform_installs" not in signals(visit) for visit in talks[:7])
    assert signals(talks[7])["uniform_installs"] == {"visits": 8, "installs": 1}
    assert signals(talks[8])["uniform_installs"] == {"visits": 9, "installs": 1}  # the pattern goes on


def test_a_day_of_talks_without_installs_is_not_uniform(world):
    walk = Walk(world)
    talks = [walk.visit(door=n % 4, after=300, north=5 + 2 * n, installs=0) for n in range(9)]
    assert all(signals(visit) == {} for visit in talks)


def test_a_fix_outside_the_box_of_the_stations_buildings_is_outside_the_area(world):
    walk = Walk(world)
    near = walk.visit(north=250)  # within the 300 m margin
    office = walk.visit(door=1, after=3600, north=1500, east=1500)  # an office 2 km away, an hour later
    assert signals(near) == {}
    found = signals(office)["outside_area"]
    assert abs(found["m"] - math.hypot(1500, 1500)) < 5
    assert reason("outside_area", found) == f"在本辖区楼栋范围外 {found['m']} 米处记录"


def test_station_bs_buildings_do_not_widen_station_as_bounds(world):
    world.b.building.lat, world.b.building.lon = 30.05, 120.05  # station B, 6 km north-east
    db.session.commit()
    office = Walk(world).visit(north=3000, east=3000)  # between the two stations
    assert "outside_area" in signals(office)


def test_the_range_of_paths_a_stations_box_reads_on_sqlite_is_exactly_its_subtree():
    """SQLite reads "under /1/5/" as /1/5/ <= path < path_end: never /1/50/ (an id sharing digits) or /1/5 itself."""
    from fieldapp.models.areas import path_end

    paths = ["/1/", "/1/5", "/1/5/", "/1/5/7/", "/1/5/70/8/", "/1/50/", "/1/50/5/", "/1/6/", "/1/4/99/", "/15/"]
    for station in ("/1/5/", "/1/50/", "/1/"):
        ranged = [path for path in paths if station <= path < path_end(station)]
        assert ranged == [path for path in paths if path.startswith(station)]


def test_a_phone_clock_off_and_a_visit_sent_a_day_late_are_flagged(world):
    walk = Walk(world)
    skewed = walk.visit(clock_ahead=timedelta(minutes=30))
    late = walk.visit(door=1, sent_after=timedelta(hours=20))
    assert signals(skewed) == {"clock": {"minutes": 30}}
    assert signals(late) == {"late_sync": {"hours": 20}}
    assert (skewed.trust_score, late.trust_score) == (90, 95)


def test_a_retried_submission_adds_its_signals_once(world):
    walk = Walk(world)
    walk.visit(north=5)
    key = str(uuid.uuid4())
    walk.visit(door=1, after=60, north=2000, client_uuid=key)
    walk.at -= timedelta(seconds=60)
    retried = walk.visit(door=1, after=60, north=2000, client_uuid=key)  # the same visit sent again
    assert db.session.scalar(select(db.func.count()).select_from(Visit)) == 2
    assert set(signals(retried)) == {"too_fast", "outside_area"}
    assert retried.trust_score == 40


def test_rescore_finds_a_days_signals_again_and_twice_changes_nothing(world, app):
    walk = Walk(world)
    honest = honest_morning(walk)
    office = [walk.visit(door=n % 4, after=20, north=2000, accuracy=15) for n in range(4)]
    add_signal(office[0], "failed_spot_check", 40)  # found by an inspector: rescore keeps it
    db.session.commit()
    before = {visit.id: (signals(visit), visit.trust_score) for visit in honest + office}
    # As if recorded before the checks existed: no record-time signal, full scores.
    db.session.execute(db.delete(VisitSignal).where(VisitSignal.signal != "failed_spot_check"))
    db.session.execute(db.update(Visit).values(trust_score=100))
    db.session.commit()
    runner = app.test_cli_runner()
    for _run in range(2):
        result = runner.invoke(args=["rescore", "--day", DAY.isoformat(), "--area-id", str(world.a.area.id)])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert {visit.id: (signals(visit), visit.trust_score) for visit in honest + office} == before
    assert "16 visits checked" in result.output


def test_rescore_of_an_unknown_area_says_so(app, world):
    result = app.test_cli_runner().invoke(args=["rescore", "--day", DAY.isoformat(), "--area-id", "999999"])
    assert result.exit_code != 0 and "No such area" in result.output


def test_a_generated_station_day_scores_every_planted_fake_below_every_honest_visit_and_queues_them_first(app):
    station, _supervisor, planted = generate_day()
    scores = dict(db.session.execute(select(Visit.id, Visit.trust_score).where(Visit.id.in_(planted))).all())
    honest = [scores[visit] for visit, fake in planted.items() if not fake]
    fakes = [visit for visit, fake in planted.items() if fake]
    assert len(honest) > 150 and len(fakes) == 45
    assert max(scores[visit] for visit in fakes) < min(honest)
    assert db.session.scalar(select(db.func.count()).where(VisitSignal.visit_id.not_in(fakes))) == 0
    rows, total = day_log(station, DAY)
    assert total == len(planted)
    first_page = [visit.id for visit in rows]
    assert set(fakes) <= set(first_page)
    assert first_page[: len(fakes)] == sorted(fakes, key=lambda visit: (scores[visit], first_page.index(visit)))
    # The office's fix is on every planted visit: filtering by it finds exactly them.
    only_outside, counted = day_log(station, DAY, signal="outside_area")
    assert counted == len(fakes) and {visit.id for visit in only_outside} == set(fakes)


def faked_and_honest_today(world) -> tuple[list, list]:
    """Four honest doors and four doors "visited" from an office 2 km away, twenty seconds apart, this morning: from
    half an hour ago, or just after local midnight when that was yesterday (the server's clock is set for each)."""
    walk = Walk(
        world, start=max(utcnow() - timedelta(minutes=30), local_day_start(local_today()) + timedelta(minutes=1))
    )
    honest = [walk.visit(door=n, after=240, north=5 + 3 * n, installs=n % 3) for n in range(4)]
    walk.at += timedelta(minutes=5)
    faked = [walk.visit(door=n, after=20, north=2000, east=300, accuracy=15) for n in range(4)]
    return honest, faked


def test_the_daily_log_shows_scores_and_reasons_and_filters_by_signal(world, browser):
    honest, faked = faked_and_honest_today(world)
    browser.login("a-supervisor")
    page = browser.client.get(f"/log?day={honest[0].day.isoformat()}").text
    assert page.index(f'id="visit-{faked[-1].id}"') < min(page.index(f'id="visit-{v.id}"') for v in honest)
    assert "信任分 100" in page and f"信任分 {faked[-1].trust_score}" in page
    assert "今天 3 户的定位相同（相差不到 1 米）" in page  # the third door from the office's one fix
    assert "在本辖区楼栋范围外" in page
    only_same = browser.client.get(f"/log?day={honest[0].day.isoformat()}&signal=same_fix").text
    shown = [v.id for v in honest + faked if f'id="visit-{v.id}"' in only_same]
    assert shown == [v.id for v in faked[2:]]
    bad = browser.client.get(f"/log?day={honest[0].day.isoformat()}&signal=nonsense")
    assert bad.status_code == 200  # an unknown signal is ignored, as the other filters are


def test_the_door_history_explains_a_score_to_the_supervisor_but_not_to_the_volunteer(world, browser):
    _honest, faked = faked_and_honest_today(world)
    door = f"/h/{world.a.sites[3].active_tag.token}"
    browser.login("a-supervisor")
    supervisor_page = browser.client.get(door).text
    assert f"信任分 {faked[3].trust_score}" in supervisor_page and "异常原因" in supervisor_page
    browser.post("/logout", {})
    browser.login("a-volunteer")
    volunteer_page = browser.client.get(door).text
    assert "异常原因" not in volunteer_page and "信任分" not in volunteer_page


def test_the_station_page_shows_each_volunteers_trust_this_week(world, browser):
    honest, faked = faked_and_honest_today(world)
    honest_b = Walk(world, user=world.a.supervisor, start=utcnow() - timedelta(minutes=50)).visit(door=0)
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}").text
    section = page[page.index('id="trust-week"') :]
    mean = round(sum(v.trust_score for v in honest + faked) / 8, 1)
    assert f'<td class="num">{mean:.0f}</td>' in section
    assert "4 / 8" in section  # the four office visits looked wrong
    assert "在辖区范围外 × 4" in section and "多户定位相同 × 2" in section
    # Lowest mean first: the volunteer with faked visits above the supervisor's one honest visit.
    assert section.index(world.a.volunteer.display_name) < section.index(world.a.supervisor.display_name)
    assert honest_b.trust_score == 100
    browser.post("/logout", {})
    browser.login("a-volunteer")
    assert 'id="trust-week"' not in browser.client.get(f"/areas/{world.a.area.id}").text


def volunteer_trust_rollup(user) -> tuple[int, int, int]:
    """(visits, trust points lost, visits flagged) in the volunteer's daily rollups, all days."""
    sums = select(
        db.func.sum(UserDailyTally.visits), db.func.sum(UserDailyTally.trust_lost), db.func.sum(UserDailyTally.flagged)
    ).where(UserDailyTally.user_id == user.id)
    return tuple(int(value or 0) for value in db.session.execute(sums).one())


def volunteer_trust_recount(user) -> tuple[int, int, int]:
    scores = db.session.scalars(select(Visit.trust_score).where(Visit.user_id == user.id, Visit.counts_in_tallies))
    scores = list(scores)
    return len(scores), sum(100 - score for score in scores), sum(score < 100 for score in scores)


def test_a_volunteers_trust_rollup_follows_signals_spot_checks_corrections_and_rejections(world):
    honest, faked = faked_and_honest_today(world)
    lost = sum(100 - visit.trust_score for visit in faked)
    assert lost > 0 and all(visit.trust_score == 100 for visit in honest)
    assert volunteer_trust_rollup(world.a.volunteer) == (8, lost, 4) == volunteer_trust_recount(world.a.volunteer)
    # A failed spot check on an honest visit, found after it was counted.
    add_signal(honest[0], "failed_spot_check", 40)
    db.session.commit()
    assert volunteer_trust_rollup(world.a.volunteer) == (8, lost + 40, 5)
    # A rejected visit leaves the rollup with the points it had lost; taken back into it, they return.
    review_visit(world.a.supervisor, faked[0], "rejected", "not there")
    db.session.commit()
    assert volunteer_trust_rollup(world.a.volunteer) == (7, lost + 40 - (100 - faked[0].trust_score), 4)
    review_visit(world.a.supervisor, faked[0], "approved")
    db.session.commit()
    assert volunteer_trust_rollup(world.a.volunteer) == (8, lost + 40, 5) == volunteer_trust_recount(world.a.volunteer)
    # A correction finds the visit's signals again: the rollup follows the new score.
    corrected = VisitInput("talked", people_reached=1, app_installs=0)
    correct_visit(world.a.supervisor, faked[1], corrected, "typed wrong")
    db.session.commit()
    assert volunteer_trust_rollup(world.a.volunteer) == volunteer_trust_recount(world.a.volunteer)
    assert recount_differences() == []


def test_the_area_page_shows_the_lowest_trust_and_the_rest_on_a_paged_list(world, browser, monkeypatch):
    monkeypatch.setattr(area_people, "SHOWN", 1)
    faked_and_honest_today(world)
    Walk(world, user=world.a.supervisor, start=utcnow() - timedelta(minutes=50)).visit(door=0)
    browser.login("a-supervisor")
    page = browser.client.get(f"/areas/{world.a.area.id}?period=week").text
    section = page[page.index('id="trust-week"') :]
    section = section[: section.index("</section>")]
    assert world.a.volunteer.display_name in section and world.a.supervisor.display_name not in section
    assert "显示信任分最低的 1 名，共 2 名志愿者。" in section
    full = browser.client.get(f"/areas/{world.a.area.id}/trust?period=week")
    assert full.status_code == 200
    assert full.text.index(world.a.volunteer.display_name) < full.text.index(world.a.supervisor.display_name)
    browser.post("/logout", {})
    browser.login("a-volunteer")
    assert browser.client.get(f"/areas/{world.a.area.id}/trust").status_code == 403
