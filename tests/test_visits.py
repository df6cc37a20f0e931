"""A visit recorded at a door: stored once, counted at every level above it, refused when wrong."""

import threading
import uuid

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import DailyTally, Site, User, Visit
from fieldapp.tallies import area_totals, recount_differences
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.factories import PASSWORD


def visit_form(**overrides) -> dict:
    data = {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "talked",
        "people_reached": "2",
        "app_installs": "2",
        "realname_regs": "1",
        "miniprogram_regs": "0",
        "notice_signed": "y",
        "note": "",
        "lat": "30.00005",
        "lon": "120.00004",
        "accuracy_m": "8",
        "device_time": "2026-11-23T02:00:00.000Z",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def door_url(site: Site) -> str:
    """The door's page: by its tag, or (no tag yet) by its id."""
    return f"/h/{site.active_tag.token}" if site.active_tag else f"/sites/{site.id}/visit"


def visit_count() -> int:
    return db.session.scalar(select(func.count(Visit.id)))


def test_volunteer_records_a_visit_and_the_station_page_counts_it(world, browser):
    site = world.a.sites[0]
    browser.login("a-volunteer")
    page = browser.client.get(door_url(site))
    assert page.status_code == 200
    assert "1单元 101" in page.text
    assert "138****1234" in page.text and "13812341234" not in page.text

    response = browser.post(door_url(site), visit_form())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{door_url(site)}?saved=1")  # with the next door
    assert "入户记录已保存" in browser.client.get(door_url(site)).text

    station_page = browser.client.get(f"/areas/{world.a.area.id}").text
    # 1 of 4 resident households (the vacant flat is not one): 25.0%, and 2 installs of a target of 10.
    assert "25.0%" in station_page
    assert "已入户 1 / 应入户 4" in station_page
    assert "完成任务 20.0%（任务 10）" in station_page


def test_a_visit_shows_up_in_every_level_above_it(world):
    record_visit(world.a.volunteer, world.a.sites[1], VisitInput("talked", 3, 2, 1, 1, True, True), str(uuid.uuid4()))
    db.session.commit()
    for area in (world.a.building, world.a.grid, world.a.community, world.a.area, world.district):
        totals = area_totals(area)
        assert (totals.households_covered, totals.app_installs, totals.people_reached) == (1, 2, 3), area.name
        assert (totals.realname_regs, totals.miniprogram_regs, totals.notices_signed) == (1, 1, 1), area.name
    assert area_totals(world.b.area).visits == 0


def test_a_retried_submission_counts_once(world, browser):
    site = world.a.sites[0]
    browser.login("a-volunteer")
    form = visit_form()
    first = browser.post(door_url(site), form)
    second = browser.post(door_url(site), form)
    assert first.status_code == second.status_code == 303
    assert "这条记录之前已保存" in browser.client.get(door_url(site)).text
    assert visit_count() == 1
    totals = area_totals(world.a.area)
    assert (totals.visits, totals.app_installs, totals.households_covered) == (1, 2, 1)


def test_htmx_submit_swaps_in_a_confirmation_with_the_buildings_progress(world, browser):
    site = world.a.sites[0]
    browser.login("a-volunteer")
    response = browser.post(door_url(site), visit_form(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "入户记录已保存" in response.text
    assert "已入户 1 / 4 户" in response.text
    assert "HX-Request" in response.headers["Vary"]
    # Out of band, only what changed on the door page: the door now covered, and the new visit atop its history.
    assert '<strong id="door-coverage" class="ok" hx-swap-oob="true">已入户 ✓</strong>' in response.text
    assert 'hx-swap-oob="afterbegin:#visit-list"' in response.text
    assert 'id="site-facts"' not in response.text and "138****1234" not in response.text  # the rest stays as shown


def test_a_second_talk_at_the_same_door_is_a_visit_but_not_a_second_household(world):
    site = world.a.sites[0]
    for _ in range(2):
        record_visit(world.a.volunteer, site, VisitInput("talked", 1, 1), str(uuid.uuid4()))
    record_visit(world.a.volunteer, world.a.sites[1], VisitInput("not_home"), str(uuid.uuid4()))
    db.session.commit()
    totals = area_totals(world.a.area)
    assert (totals.visits, totals.talked, totals.households_covered, totals.app_installs) == (3, 2, 1, 2)
    assert recount_differences() == []


def test_rollups_equal_a_recount_after_concurrent_submissions(app, world):
    """Eight phones at once: four resend the same visit, four record new talks at the same door."""
    site_id, user_id = world.a.sites[2].id, world.a.volunteer.id
    db.session.rollback()  # this thread must not hold a transaction (on SQLite, the write lock) meanwhile
    shared_uuid = str(uuid.uuid4())
    uuids = [shared_uuid] * 4 + [str(uuid.uuid4()) for _ in range(4)]
    errors = []
    barrier = threading.Barrier(len(uuids))

    def submit(client_uuid):
        with app.app_context():
            try:
                barrier.wait()
                site, user = db.session.get(Site, site_id), db.session.get(User, user_id)
                record_visit(user, site, VisitInput("talked", 2, 1), client_uuid)
                db.session.commit()
            except Exception as error:  # collected and asserted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(u,)) for u in uuids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    assert visit_count() == 5
    totals = area_totals(world.a.area)
    assert (totals.visits, totals.households_covered, totals.app_installs) == (5, 1, 5)
    assert recount_differences() == []


def test_the_demo_district_tallies_equal_a_recount(app):
    from fieldapp.demo import load_demo

    made = load_demo(days_of_visits=2)
    assert made["sites"] > 1500 and made["visits"] > 300
    assert recount_differences() == []
    from fieldapp.site_counts import recount_site_differences

    assert recount_site_differences() == []


BAD_FORMS = {
    "words for a count": ({"people_reached": "two"}, "people_reached"),
    "negative installs": ({"app_installs": "-1"}, "app_installs"),
    "fractional count": ({"realname_regs": "1.5"}, "realname_regs"),
    "a count too big": ({"people_reached": "100"}, "people_reached"),
    "unknown outcome": ({"outcome": "exploded"}, "outcome"),
    "no outcome": ({"outcome": None}, "outcome"),
    "latitude off the globe": ({"lat": "91"}, "lat"),
    "longitude not a number": ({"lon": "nan"}, "lon"),
    "negative accuracy": ({"accuracy_m": "-5"}, "accuracy_m"),
    "more installs than people": ({"people_reached": "1", "app_installs": "2"}, "app_installs"),
    "far more people than live there": (
        {"people_reached": "30", "app_installs": "0", "realname_regs": "0"},
        "people_reached",
    ),
    "a damaged form": ({"client_uuid": "not-a-uuid"}, "client_uuid"),
}


def test_bad_input_is_refused_in_chinese_and_writes_nothing(world, browser):
    site = world.a.sites[0]
    browser.login("a-volunteer")
    for case, (overrides, field) in BAD_FORMS.items():
        response = browser.post(door_url(site), visit_form(**overrides))
        assert response.status_code == 422, case
        assert f'id="{field}-error"' in response.text, case
        assert visit_count() == 0, case
    assert db.session.scalar(select(func.count()).select_from(DailyTally)) == 0
    assert "请输入 0 到 99 之间的整数" in browser.post(door_url(site), visit_form(app_installs="-1")).text


def test_bad_input_message_follows_the_language_switch(world, browser):
    browser.login("a-volunteer")
    browser.client.get("/lang/en")
    response = browser.post(door_url(world.a.sites[0]), visit_form(app_installs="-1"))
    assert response.status_code == 422
    assert "Enter a whole number from 0 to 99." in response.text


def test_a_form_without_csrf_token_is_refused(world, browser):
    browser.login("a-volunteer")
    response = browser.client.post(door_url(world.a.sites[0]), data=visit_form())
    assert response.status_code == 400
    assert "表单已过期" in response.text
    assert visit_count() == 0


def test_a_one_megabyte_body_is_refused(world, browser):
    browser.login("a-volunteer")
    response = browser.post(door_url(world.a.sites[0]), visit_form(note="x" * 1_000_000))
    assert response.status_code == 413
    assert "提交的内容太大" in response.text
    assert "Traceback" not in response.text
    assert visit_count() == 0


def test_a_too_long_note_is_refused_with_a_message(world, browser):
    browser.login("a-volunteer")
    response = browser.post(door_url(world.a.sites[0]), visit_form(note="x" * 600))
    assert response.status_code == 422
    assert visit_count() == 0


def test_the_same_client_uuid_at_another_door_is_refused_visibly(world, browser):
    browser.login("a-volunteer")
    form = visit_form()
    assert browser.post(door_url(world.a.sites[0]), form).status_code == 303
    response = browser.post(door_url(world.a.sites[1]), form)
    assert response.status_code == 422
    assert "此表单已按其他内容保存过" in response.text
    assert visit_count() == 1


def test_a_visit_without_gps_is_stored_as_no_gps(world, browser):
    browser.login("a-volunteer")
    browser.post(door_url(world.a.sites[0]), visit_form(lat="", lon="", accuracy_m=""))
    visit = db.session.scalar(select(Visit))
    assert (visit.lat, visit.lon, visit.accuracy_m) == (None, None, None)


def test_a_logged_out_volunteer_lands_back_on_the_door_after_login(world, client):
    site = world.a.sites[0]
    response = client.get(door_url(site))
    assert response.status_code == 302
    login_page = client.get(response.headers["Location"])
    from tests.conftest import csrf_from

    after = client.post(
        "/login",
        data={
            "username": "a-volunteer",
            "password": PASSWORD,
            "csrf_token": csrf_from(login_page.text),
            "next": door_url(site),
        },
    )
    assert after.status_code == 303
    assert after.headers["Location"] == door_url(site)
