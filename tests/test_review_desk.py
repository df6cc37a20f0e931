"""The review desk on the office PC: a dense, sortable, filterable table of a day's visits; verdicts swapped in
place with the tallies following; approving everything a filter matches, refused when the set changed; and the
household changes (the denominator) listed for a supervisor to acknowledge."""

import re
from datetime import timedelta

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.labels import TRUST_SIGNAL_NAMES
from fieldapp.models import Area, AuditEvent, Visit
from fieldapp.review import desk as desk_module
from fieldapp.review import services as review_services
from fieldapp.review.services import review_visit
from fieldapp.roster.services import mark_moved_out
from fieldapp.tallies import area_totals
from fieldapp.trust.score import add_signal
from fieldapp.visits.clock import local_today
from fieldapp.visits.services import undo_visit
from tests.conftest import csrf_from
from tests.test_review import talk


def desk_ids(html: str) -> list[int]:
    """The visit ids of the desk's rows, in the order shown."""
    return [int(found) for found in re.findall(r'<tr id="desk-(\d+)"', html)]


def four_visits(world):
    """Four visits of station A's volunteer today, two minutes apart; the second and the fourth raised signals (the
    third and the fourth also "same fix", found when recorded: the doors' fixes lie within a metre)."""
    visits = [talk(world, site, installs=1, seconds_later=120 * n) for n, site in enumerate(world.a.sites[:4])]
    add_signal(visits[1], "burst", 30)
    add_signal(visits[3], "failed_spot_check", 50)
    db.session.commit()
    return visits


def test_the_desk_shows_the_least_trusted_first_with_the_signals_reasons(world, browser):
    visits = four_visits(world)
    browser.login("a-supervisor")
    page = browser.client.get("/desk")
    assert page.status_code == 200
    assert desk_ids(page.text)[:2] == [visits[3].id, visits[1].id]
    assert str(TRUST_SIGNAL_NAMES["same_fix"]) in page.text
    by_time = browser.client.get("/desk?sort=time")
    assert desk_ids(by_time.text) == [visit.id for visit in visits]
    assert 'src="/static/js/desk.js?v=' in page.text
    assert "desk.js" not in browser.client.get("/log").text  # the keyboard loads on the desk only


def test_filters_narrow_the_rows_and_bad_values_are_explained_not_a_500(world, browser):
    visits = four_visits(world)
    browser.login("a-supervisor")
    assert desk_ids(browser.client.get("/desk?signal=burst").text) == [visits[1].id]
    assert sorted(desk_ids(browser.client.get("/desk?below=60").text)) == [visits[3].id]
    by_lead = talk(world, world.a.sites[3], user=world.a.lead, seconds_later=600)
    assert desk_ids(browser.client.get(f"/desk?volunteer={world.a.lead.id}").text) == [by_lead.id]
    assert len(desk_ids(browser.client.get(f"/desk?team={world.a.team.id}").text)) == 4
    bad = browser.client.get("/desk?below=abc&day=notaday&sort=nonsense&signal=zzz")
    assert bad.status_code == 200 and len(desk_ids(bad.text)) == 5  # each unreadable filter left out
    assert 'aria-invalid="true"' in bad.text


def test_a_supervisor_never_sees_another_stations_visits_on_the_desk(world, browser):
    four_visits(world)
    talk(world, world.b.sites[0], user=world.b.volunteer)
    browser.login("b-supervisor")
    rows = desk_ids(browser.client.get("/desk").text)
    assert len(rows) == 1
    assert browser.client.get(f"/desk?area={world.a.area.id}").status_code == 404
    visit_of_a = db.session.scalar(select(Visit).where(Visit.user_id == world.a.volunteer.id))
    response = browser.post(f"/desk/visits/{visit_of_a.id}", {"status": "approved"})
    assert response.status_code == 404
    assert db.session.get(Visit, visit_of_a.id).review_status == "pending"


def test_a_rejection_from_the_desk_swaps_the_row_and_the_tallies_follow(world, browser):
    visits = four_visits(world)
    browser.login("a-supervisor")
    token = csrf_from(browser.client.get("/desk").text)
    response = browser.client.post(
        f"/desk/visits/{visits[3].id}?sort=time",
        data={"csrf_token": token, "status": "rejected", "comment": "同一坐标"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="desk-{visits[3].id}"' in response.text and "review-rejected" in response.text
    tally = re.search(r'<p class="desk-tally" id="desk-tally" hx-swap-oob="true">(.*?)</p>', response.text, re.S)
    counts = dict(re.findall(r'data-status="(\w+)">[^<]*<strong>(\d+)</strong>', tally.group(1)))
    assert counts == {"pending": "3", "approved": "0", "has_issues": "0", "rejected": "1"}
    assert area_totals(world.a.area).visits == 3  # the one review rule: a rejected visit leaves the tallies
    # No reason: refused in the row, nothing changed.
    refused = browser.client.post(
        f"/desk/visits/{visits[1].id}",
        data={"csrf_token": token, "status": "rejected", "comment": " "},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422 and 'class="error" role="alert"' in refused.text
    assert db.session.get(Visit, visits[1].id).review_status == "pending"


def test_verdicts_and_bulk_approval_need_the_csrf_token(world, browser):
    visits = four_visits(world)
    browser.login("a-supervisor")
    assert browser.client.post(f"/desk/visits/{visits[0].id}", data={"status": "approved"}).status_code in (400, 303)
    assert browser.client.post("/desk/approve", data={"scope": "all", "expected": "4"}).status_code == 400
    assert {visit.review_status for visit in db.session.scalars(select(Visit))} == {"pending"}


def test_approve_all_matching_across_pages_acts_on_the_filter(world, browser, monkeypatch):
    monkeypatch.setattr(desk_module, "DESK_PAGE_SIZE", 2)
    monkeypatch.setattr("fieldapp.review.desk_routes.DESK_PAGE_SIZE", 2)
    visits = four_visits(world)
    browser.login("a-supervisor")
    page = browser.client.get("/desk?sort=time")
    assert desk_ids(page.text) == [visits[0].id, visits[1].id] and 'rel="next"' in page.text
    expected = shown_key(page.text)
    assert expected.startswith("4-")
    response = browser.post("/desk/approve?sort=time", {"scope": "all", "expected": expected})
    assert response.status_code == 303
    assert [db.session.get(Visit, visit.id).review_status for visit in visits] == ["approved"] * 4


def shown_key(html: str) -> str:
    """What the desk's "approve all N matching" button was shown: its number and a digest of the visits."""
    return re.search(r'name="expected" value="([^"]+)"', html).group(1)


def test_approve_all_matching_is_refused_when_the_set_changed_size(world, browser):
    visits = four_visits(world)
    browser.login("a-supervisor")
    page = browser.client.get("/desk?status=pending")
    expected = shown_key(page.text)
    talk(world, world.a.sites[3], installs=0, seconds_later=900)  # one more arrives meanwhile
    sent = {"scope": "all", "expected": expected}
    response = browser.post("/desk/approve?status=pending", sent, follow_redirects=True)
    assert "(5 now, 4 when you chose)" in response.text or "现有 5 条，您选择时为 4 条" in response.text
    assert {db.session.get(Visit, visit.id).review_status for visit in visits} == {"pending"}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.review")) is None


def test_approve_all_matching_is_refused_when_the_set_changed_but_kept_its_size(world, browser):
    visits = four_visits(world)
    browser.login("a-supervisor")
    expected = shown_key(browser.client.get("/desk?status=pending").text)
    # Meanwhile a colleague rejects one visit and a new one arrives: still four pending, not the four seen.
    browser.post(f"/desk/visits/{visits[0].id}", {"status": "rejected", "comment": "不实"})
    arrived = talk(world, world.a.sites[3], installs=0, seconds_later=900)
    sent = {"scope": "all", "expected": expected}
    response = browser.post("/desk/approve?status=pending", sent, follow_redirects=True)
    assert "(4 now, 4 when you chose)" in response.text or "现有 4 条，您选择时为 4 条" in response.text
    assert db.session.get(Visit, arrived.id).review_status == "pending"  # never approved unseen


def test_approving_a_page_keeps_the_verdicts_already_given_on_it(world, browser):
    visits = four_visits(world)
    browser.login("a-supervisor")
    browser.post(f"/desk/visits/{visits[3].id}", {"status": "rejected", "comment": "同一坐标"})
    browser.post(f"/desk/visits/{visits[1].id}", {"status": "has_issues", "comment": "太快"})
    browser.post("/desk/approve", {"scope": "page", "page_id": [str(visit.id) for visit in visits]})
    statuses = [db.session.get(Visit, visit.id).review_status for visit in visits]
    assert statuses == ["approved", "has_issues", "approved", "rejected"]
    assert area_totals(world.a.area).visits == 3  # the rejected fake stays out of the tallies


def test_days_past_the_calendar_are_refused_on_the_form_not_a_500(world, browser):
    four_visits(world)
    browser.login("a-supervisor")
    for url in (
        "/desk?day=9999-12-31&span=week",
        "/audit?last=9999-12-31",
        "/audit?first=0001-01-01",
        "/desk/households?last=0001-01-01",
    ):
        page = browser.client.get(url)
        assert page.status_code == 200, url
        assert 'aria-invalid="true"' in page.text, url
    assert browser.client.get(f"/areas/{world.a.area.id}/map.json?day=9999-12-31").status_code == 400  # said, not a 500


def test_approve_the_ticked_and_this_page(world, browser):
    visits = four_visits(world)
    browser.login("a-supervisor")
    browser.post("/desk/approve", {"scope": "selected", "visit_id": [str(visits[0].id), "x", "99999999999"]})
    assert db.session.get(Visit, visits[0].id).review_status == "approved"
    assert db.session.get(Visit, visits[1].id).review_status == "pending"
    browser.post("/desk/approve", {"scope": "page", "page_id": [str(visit.id) for visit in visits]})
    assert {db.session.get(Visit, visit.id).review_status for visit in visits} == {"approved"}


def test_the_station_page_and_the_log_lead_to_the_desk(world, browser):
    visits = four_visits(world)
    browser.login("a-supervisor")
    browser.post(f"/desk/visits/{visits[0].id}", {"status": "approved"})
    station = browser.client.get(f"/areas/{world.a.area.id}").text
    line = re.search(r'id="area-reviews">(.*?)</p>', station, re.S).group(1)
    assert dict(re.findall(r'data-status="(\w+)">[^<]*<strong>(\d+)</strong>', line))["approved"] == "1"
    assert "/desk?area=" in browser.client.get("/log").text


def test_a_move_out_is_listed_with_the_buildings_households_before_and_after_and_acknowledged(world, browser):
    site = world.a.sites[2]
    browser.login("a-lead")
    page = browser.client.get(f"/sites/{site.id}/moved-out")
    browser.client.post(f"/sites/{site.id}/moved-out", data={"csrf_token": csrf_from(page.text)})
    assert db.session.get(type(site), site.id).status == "moved_out"
    browser.post("/logout", {})
    browser.login("a-supervisor")
    listed = browser.client.get("/desk/households")
    row = re.search(r'<tr id="change-(\d+)"[^>]*>(.*?)</tr>', listed.text, re.S)
    assert row, listed.text
    # Four resident households (the fifth door is a vacant flat): one moved out leaves three.
    assert "甲派出所楼栋长" in row.group(2) and "4 → <strong>3</strong>" in row.group(2)
    event_id = int(row.group(1))
    done = browser.post(f"/desk/households/{event_id}/acknowledge", {"next": "/desk/households"})
    assert done.status_code == 303
    ack = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "denominator.acknowledge"))
    assert (ack.object_id, ack.user_id, ack.area_id) == (event_id, world.a.supervisor.id, world.a.building.id)
    assert "review.acknowledge" not in browser.client.get("/desk/households?open=1").text
    assert f'id="change-{event_id}"' not in browser.client.get("/desk/households?open=1").text
    # Station B's supervisor neither sees it nor acknowledges it.
    browser.post("/logout", {})
    browser.login("b-supervisor")
    assert f'id="change-{event_id}"' not in browser.client.get("/desk/households").text
    assert browser.post(f"/desk/households/{event_id}/acknowledge", {}).status_code == 404


def test_a_door_edited_vacant_and_a_new_door_are_denominator_changes(world, browser, app):
    from fieldapp.roster.services import SiteInput, add_site

    with app.test_request_context("/"):
        site = world.a.sites[0]
        mark_moved_out(site)
        add_site(world.a.building, SiteInput("1", "1001", 10, 2, "household", "new", None))
        db.session.commit()
    browser.login("a-supervisor")
    text = browser.client.get("/desk/households").text
    rows = re.findall(r'<tr id="change-\d+"[^>]*>(.*?)</tr>', text, re.S)
    assert len(rows) == 2
    # Newest first: the new door took 3 back to 4; the move-out before it took 4 to 3.
    assert "3 → <strong>4</strong>" in rows[0] and "4 → <strong>3</strong>" in rows[1]


def test_a_week_of_the_desk_spans_the_report_week(world, browser):
    visit = talk(world, world.a.sites[0])
    visit.day = local_today() - timedelta(days=1)
    db.session.commit()
    browser.login("a-supervisor")
    today = local_today()
    in_week = visit.day >= today - timedelta(days=today.weekday())
    assert (visit.id in desk_ids(browser.client.get("/desk?span=week").text)) == in_week
    assert visit.id not in desk_ids(browser.client.get("/desk").text)


def test_the_review_tallies_equal_a_count_of_the_visits_by_status(world):
    visits = four_visits(world)
    talk(world, world.b.sites[0], user=world.b.volunteer)  # another station's visit counts only there
    review_visit(world.a.supervisor, visits[0], "approved")
    review_visit(world.a.supervisor, visits[1], "has_issues", "照片不清")
    review_visit(world.a.supervisor, visits[2], "rejected", "同一坐标")
    db.session.commit()
    undone = talk(world, world.a.sites[3])
    undo_visit(world.a.volunteer, undone)  # taken back: in no tally
    db.session.commit()
    today = local_today()
    for area in (world.district, world.a.area, world.a.building, world.b.area):
        counted = {status: 0 for status in review_services.DESK_STATUSES}
        inside = select(Visit).join(Area, Area.id == Visit.building_id).where(Area.within(area))
        for visit in db.session.scalars(inside):
            if visit.undone_at is None and visit.day == today:
                counted[visit.review_status] += 1
        assert review_services.review_tally(area, today) == counted, area.name
    expected = {"pending": 1, "approved": 1, "has_issues": 1, "rejected": 1}
    assert review_services.review_tally(world.a.area, today) == expected
