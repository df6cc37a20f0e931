"""The supervisor's daily log and review: what looks wrong first, rejections leave every tally."""

import re
import uuid
from datetime import UTC, timedelta

from sqlalchemy import select

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, UserDailyTally
from fieldapp.review.services import review_visit
from fieldapp.tallies import area_totals, recount_differences
from fieldapp.visits.clock import deployment_zone
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit, undo_visit
from tests.test_door import METRE_OF_LATITUDE


def talk(world, site, installs=1, metres_north=5.0, seconds_later=None, user=None):
    data = VisitInput(
        "talked",
        max(1, installs),
        installs,
        lat=site.lat + metres_north * METRE_OF_LATITUDE,
        lon=site.lon,
        accuracy_m=8,
    )
    # Sent as soon as it was recorded, `seconds_later` from now: the gap to the previous visit is measured then.
    received_at = None if seconds_later is None else same_day_start() + timedelta(seconds=seconds_later)
    visit, _ = record_visit(user or world.a.volunteer, site, data, str(uuid.uuid4()), received_at=received_at)
    db.session.commit()
    return visit


def same_day_start():
    """Now, or an hour ago in the last half hour of the local day: a test's visits spread over 20 minutes then
    still fall on one working day (the log of one day shows them all)."""
    now = utcnow()
    local = now.replace(tzinfo=UTC).astimezone(deployment_zone())
    return now - timedelta(hours=1) if local.hour == 23 and local.minute >= 30 else now


def volunteer_installs(world) -> int:
    rows = db.session.scalars(select(UserDailyTally).where(UserDailyTally.user_id == world.a.volunteer.id))
    return sum(row.app_installs for row in rows)


def test_a_rejected_visit_leaves_every_tally_and_the_volunteer_sees_why(world, browser):
    site = world.a.sites[0]
    visit = talk(world, site, installs=2)
    assert volunteer_installs(world) == 2
    browser.login("a-supervisor")
    response = browser.post(f"/log/visits/{visit.id}", {"status": "rejected", "comment": "定位在另一栋楼"})
    assert response.status_code == 303
    for area in (world.a.building, world.a.area, world.district):
        totals = area_totals(area)
        assert (totals.visits, totals.app_installs, totals.households_covered) == (0, 0, 0), area.name
    assert volunteer_installs(world) == 0
    assert recount_differences() == []
    browser.post("/logout", {})
    browser.login("a-volunteer")
    assert "定位在另一栋楼" in browser.client.get(f"/h/{site.active_tag.token}").text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.review"))
    assert event.after == {"review_status": "rejected", "review_comment": "定位在另一栋楼"}


def test_a_rejection_taken_back_counts_the_visit_again(world):
    visit = talk(world, world.a.sites[0], installs=2)
    review_visit(world.a.supervisor, visit, "rejected", "wrong")
    db.session.commit()
    review_visit(world.a.supervisor, visit, "approved")
    db.session.commit()
    totals = area_totals(world.a.area)
    assert (totals.visits, totals.app_installs, totals.households_covered) == (1, 2, 1)
    assert recount_differences() == []


def test_rejecting_the_covering_visit_hands_coverage_to_the_next_talk(world):
    site = world.a.sites[0]
    first, second = talk(world, site), talk(world, site)
    review_visit(world.a.supervisor, first, "rejected", "duplicate")
    db.session.commit()
    assert site.covered_by_visit_id == second.id
    assert area_totals(world.a.area).households_covered == 1
    assert recount_differences() == []


def test_issues_and_rejections_need_a_comment(world, browser):
    visit = talk(world, world.a.sites[0])
    browser.login("a-supervisor")
    response = browser.post(
        f"/log/visits/{visit.id}", {"status": "rejected", "comment": " "}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "请说明问题" in response.text
    assert area_totals(world.a.area).visits == 1


def test_the_log_puts_what_looks_wrong_first_with_its_evidence(world, browser):
    talk(world, world.a.sites[0], seconds_later=0)
    far = talk(world, world.a.sites[1], metres_north=400, seconds_later=600)
    talk(world, world.a.sites[2], seconds_later=1200)
    rapid = talk(world, world.a.sites[3], seconds_later=1230)
    browser.login("a-supervisor")
    page = browser.client.get("/log").text
    order = [page.index(f'id="visit-{v.id}"') for v in (far, rapid)]
    assert max(order) < min(page.index(f'id="visit-{v}"') for v in (1, 3))
    assert "离门牌 " in page and "秒" in page
    only_far = browser.client.get("/log?flag=far").text
    assert f'id="visit-{far.id}"' in only_far and f'id="visit-{rapid.id}"' not in only_far


def test_the_log_pages_in_the_database_keeping_what_looks_wrong_first_and_the_filters(world, browser, monkeypatch):
    for module in ("services", "routes"):  # two visits a page instead of fifty
        monkeypatch.setattr(f"fieldapp.review.{module}.LOG_PAGE_SIZE", 2)
    calm = [talk(world, world.a.sites[n % 4], seconds_later=600 * n) for n in (0, 2, 4)]  # ten minutes apart
    far = talk(world, world.a.sites[1], metres_north=400, seconds_later=900)
    rapid = talk(world, world.a.sites[3], seconds_later=1230)  # 30 s after the visit at 1,200 s
    browser.login("a-supervisor")
    day = calm[0].day.isoformat()
    pages = [browser.client.get(f"/log?day={day}&page={n}").text for n in (1, 2, 3)]
    shown = [[v.id for v in (*calm, far, rapid) if f'id="visit-{v.id}"' in page] for page in pages]
    assert shown == [[far.id, rapid.id], [calm[0].id, calm[1].id], [calm[2].id]]
    assert "共 5 条" in pages[0] and "第 1 / 3 页" in pages[0] and "上一页" not in pages[0]
    assert "上一页" in pages[2] and "下一页" not in pages[2]
    # An old link past the end (a page of a busier hour, reloaded after filtering) leads back to the last page.
    past = browser.client.get(f"/log?day={day}&page=7").text
    back = re.search(r'rel="prev" href="([^"]+)"', past).group(1).replace("&amp;", "&")
    assert "已过最后一页（共 3 页）" in past and f"day={day}" in back and back.endswith("page=3")
    assert "没有符合条件的记录" not in past  # the day has visits: only this link went past them
    only_rapid = browser.client.get(f"/log?day={day}&flag=rapid").text
    assert f'id="visit-{rapid.id}"' in only_rapid and f'id="visit-{far.id}"' not in only_rapid
    talked = browser.client.get(f"/log?day={day}&outcome=talked").text
    next_page = re.search(r'rel="next" href="([^"]+)"', talked).group(1)
    assert "outcome=talked" in next_page and "page=2" in next_page  # the next page keeps the filters


def test_a_late_arrival_and_an_undo_give_the_next_visit_its_new_gap_on_the_log(world, browser):
    """A visit sent from the outbox after later ones, and a visit taken back, change which visit came before the
    next one: its stored gap (what "looks wrong" and the log read) follows, and the log shows it."""
    base = utcnow() - timedelta(minutes=10)
    volunteer = world.a.volunteer

    def send(site, happened_after, arrived_after):
        data = VisitInput("not_home", device_time=base + timedelta(seconds=happened_after))
        received = base + timedelta(seconds=arrived_after)
        visit, _ = record_visit(volunteer, site, data, str(uuid.uuid4()), received_at=received)
        db.session.commit()
        return visit

    first, third = send(world.a.sites[0], 0, 0), send(world.a.sites[2], 300, 300)
    assert (first.gap_s, third.gap_s) == (None, 300.0)
    second = send(world.a.sites[1], 30, 400)  # happened 30 s after the first, arrived after the third
    db.session.refresh(third)
    assert (second.gap_s, third.gap_s) == (30.0, 270.0)
    assert second.rapid and second.looks_wrong and not third.rapid
    browser.login("a-supervisor")
    day = second.day  # yesterday's, ten minutes after local midnight
    assert "距上一户 30 秒" in browser.client.get(f"/log?flag=rapid&day={day}").text
    undo_visit(volunteer, second)
    db.session.commit()
    db.session.refresh(third)
    assert third.gap_s == 300.0
    log = browser.client.get(f"/log?day={day}").text
    assert f'id="visit-{first.id}"' in log and f'id="visit-{second.id}"' not in log


def test_bulk_approve_approves_only_what_the_supervisor_may_review(world, browser):
    mine = [talk(world, site) for site in world.a.sites[:3]]
    theirs = talk(world, world.b.sites[0], user=world.b.volunteer)
    browser.login("a-supervisor")
    response = browser.post("/log/approve", {"visit_id": [str(v.id) for v in [*mine, theirs]]})
    assert response.status_code == 303
    for visit in mine:
        db.session.refresh(visit)
        assert visit.review_status == "approved"
    db.session.refresh(theirs)
    assert theirs.review_status == "pending"


def test_volunteers_have_no_log_and_supervisors_see_only_their_station(world, browser):
    visit_b = talk(world, world.b.sites[0], user=world.b.volunteer)
    browser.login("a-volunteer")
    assert browser.client.get("/log").status_code == 403
    browser.post("/logout", {})
    browser.login("a-supervisor")
    assert f'id="visit-{visit_b.id}"' not in browser.client.get("/log").text
    assert browser.client.get(f"/log?area={world.b.area.id}").status_code == 404
    assert browser.post(f"/log/visits/{visit_b.id}", {"status": "rejected", "comment": "x"}).status_code == 404
    assert area_totals(world.b.area).visits == 1


def test_the_logs_first_page_is_read_in_the_days_order_yet_only_of_its_own_area(world, browser, monkeypatch):
    # A page wholly of doubtful visits is read off the whole day's index in the log's order
    # (ix_visits_day_review_order), not building by building: another station's and one taken back must stay off it.
    for module in ("services", "routes"):  # one visit a page, so that the first page is all doubtful
        monkeypatch.setattr(f"fieldapp.review.{module}.LOG_PAGE_SIZE", 1)
    other = talk(world, world.b.sites[0], metres_north=400, user=world.b.volunteer)
    undone = talk(world, world.a.sites[0], metres_north=400)
    undo_visit(world.a.volunteer, undone)
    db.session.commit()
    own = talk(world, world.a.sites[1], metres_north=400)
    day = own.day.isoformat()
    shown = re.compile(r'id="visit-(\d+)"')
    browser.login("a-supervisor")
    assert shown.findall(browser.client.get(f"/log?day={day}").text) == [str(own.id)]
    browser.post("/logout", {})
    browser.login("district-admin")
    district = [shown.findall(browser.client.get(f"/log?day={day}&page={n}").text) for n in (1, 2, 3)]
    assert district == [[str(other.id)], [str(own.id)], []]


def test_rollups_equal_a_recount_after_concurrent_visits_undos_corrections_and_rejections(app, world):
    """Eight people at once on one station: new talks, an undo, a correction and a rejection."""
    import threading

    from fieldapp.models import Site, User
    from fieldapp.review.services import review_visit as review
    from fieldapp.visits.services import correct_visit, undo_visit

    existing = [talk(world, site) for site in world.a.sites[:3]]
    ids = {
        "visits": [v.id for v in existing],
        "sites": [s.id for s in world.a.sites],
        "volunteer": world.a.volunteer.id,
        "supervisor": world.a.supervisor.id,
        "lead": world.a.lead.id,
    }
    db.session.rollback()
    barrier = threading.Barrier(8)
    errors = []

    def job(action, index):
        with app.app_context():
            try:
                barrier.wait()
                from fieldapp.models import Visit

                if action == "talk":
                    site = db.session.get(Site, ids["sites"][index % 4])
                    record_visit(
                        db.session.get(User, ids["volunteer"]), site, VisitInput("talked", 2, 1), str(uuid.uuid4())
                    )
                elif action == "undo":
                    undo_visit(db.session.get(User, ids["volunteer"]), db.session.get(Visit, ids["visits"][0]))
                elif action == "correct":
                    correct_visit(
                        db.session.get(User, ids["lead"]),
                        db.session.get(Visit, ids["visits"][1]),
                        VisitInput("not_home"),
                        "wrong door",
                    )
                else:
                    review(
                        db.session.get(User, ids["supervisor"]),
                        db.session.get(Visit, ids["visits"][2]),
                        "rejected",
                        "not there",
                    )
                db.session.commit()
            except Exception as error:  # collected and asserted below
                errors.append(error)
            finally:
                db.session.remove()

    actions = ["talk"] * 5 + ["undo", "correct", "reject"]
    threads = [threading.Thread(target=job, args=(action, i)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    assert recount_differences() == []
    totals = area_totals(world.a.area)
    # 3 earlier visits: one undone, one rejected (both gone), one now "not home"; plus 5 new talks.
    assert (totals.visits, totals.talked, totals.app_installs) == (6, 5, 5)


def test_the_logs_count_is_every_visit_of_the_day_not_taken_back_however_it_is_read(world):
    """Unfiltered, the count comes from the rollups and the verdicts' index; filtered, from the visits: both say
    the same as counting the rows, rejected visits in, visits taken back out."""
    from fieldapp.review.services import day_log
    from fieldapp.visits.clock import local_today

    visits = [talk(world, site) for site in world.a.sites[:4]]
    talk(world, world.b.sites[0], user=world.b.volunteer)
    review_visit(world.a.supervisor, visits[0], "approved")
    review_visit(world.a.supervisor, visits[1], "rejected", "同一坐标")
    db.session.commit()
    undo_visit(world.a.volunteer, visits[2])
    db.session.commit()
    day = visits[0].day
    for area, expected in ((world.district, 4), (world.a.area, 3), (world.a.building, 3), (world.b.area, 1)):
        rows, total = day_log(area, day)
        assert total == expected == len(rows), area.name
    assert day_log(world.a.area, day, outcome="talked")[1] == 3
    assert day_log(world.a.area, day, flag="unreviewed")[1] == 1
    assert day_log(world.a.area, local_today() - timedelta(days=400))[1] == 0
