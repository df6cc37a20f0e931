"""Outreach events (宣讲): counted in 人次 at their area and above, never as households; stored once; refused
visibly when wrong; withdrawn back out of the rollups; recounted by verify-tallies."""

import io
import uuid
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from fieldapp.events.summary import event_sums
from fieldapp.extensions import db
from fieldapp.models import AreaDailyEventTally, DailyTally, OutreachEvent
from fieldapp.tallies import area_totals, recount_differences
from fieldapp.teams.services import change_role
from fieldapp.visits.clock import deployment_zone


def local_now_text(minutes_ago: int = 30) -> str:
    moment = datetime.now(deployment_zone()) - timedelta(minutes=minutes_ago)
    return moment.strftime("%Y-%m-%dT%H:%M")


def event_form(area_id: int, **overrides) -> dict:
    data = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "school",
        "title": "实验小学防诈讲座",
        "area_id": str(area_id),
        "site_id": "0",
        "held_at": local_now_text(),
        "team_id": "0",
        "people_reached": "300",
        "leaflets": "350",
        "posters": "4",
        "letters": "300",
        "app_installs": "25",
        "realname_regs": "20",
        "miniprogram_regs": "12",
        "note": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def event_count() -> int:
    return db.session.scalar(select(func.count(OutreachEvent.id)))


def rollup_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(AreaDailyEventTally))


def make_leader(world):
    """The A volunteer leads A's team: team leaders record events."""
    change_role(world.a.volunteer, "leader")
    db.session.commit()


def test_a_300_person_school_talk_counts_300_at_its_community_and_above_and_no_household(world, browser):
    browser.login("a-supervisor")
    form = browser.client.get(f"/events/new?area={world.a.community.id}")
    assert form.status_code == 200 and 'name="client_uuid"' in form.text
    response = browser.post("/events/new", event_form(world.a.community.id))
    assert response.status_code == 303, response.text
    event = db.session.scalars(select(OutreachEvent)).one()
    assert event.people_reached == 300 and event.recorded_by_id == world.a.supervisor.id

    sums = event_sums([world.a.community.id, world.a.area.id, world.district.id, world.a.grid.id, world.b.area.id])
    assert sums[world.a.community.id]["people_reached"] == 300
    assert sums[world.a.area.id]["people_reached"] == 300 and sums[world.a.area.id]["events"] == 1
    assert sums[world.district.id]["people_reached"] == 300 and sums[world.district.id]["app_installs"] == 25
    assert sums[world.a.grid.id]["events"] == 0  # below the event's place: not there
    assert sums[world.b.area.id]["events"] == 0
    # Door-to-door figures untouched: no visit, no household covered, no people reached at doors.
    assert db.session.scalar(select(func.count()).select_from(DailyTally)) == 0
    totals = area_totals(world.district, targets=False)
    assert totals.households_covered == 0 and totals.people_reached == 0 and totals.visits == 0
    assert recount_differences() == []

    station_page = browser.client.get(f"/areas/{world.a.area.id}").text
    assert 'id="area-events"' in station_page and "300" in station_page
    listing = browser.client.get(f"/areas/{world.a.area.id}/events")
    assert listing.status_code == 200 and "实验小学防诈讲座" in listing.text


def test_the_list_says_when_empty_then_pages_newest_first_and_past_its_end_leads_back(world, browser, monkeypatch):
    monkeypatch.setattr("fieldapp.events.routes.EVENTS_PAGE_SIZE", 2)
    browser.login("a-supervisor")
    empty = browser.client.get(f"/areas/{world.a.area.id}/events").text
    assert "这里还没有记录宣讲活动。" in empty and 'class="pager"' not in empty
    for hours_ago, title in ((3, "第一场"), (2, "第二场"), (1, "第三场")):
        form = event_form(world.a.area.id, kind="stall", title=title, held_at=local_now_text(60 * hours_ago))
        assert browser.post("/events/new", form).status_code == 303
    listing = f"/areas/{world.a.area.id}/events?kind=stall"
    first = browser.client.get(listing).text
    assert "第三场" in first and "第二场" in first and "第一场" not in first and "第 1 / 2 页" in first
    assert f'href="/areas/{world.a.area.id}/events?kind=stall&amp;page=2"' in first
    second = browser.client.get(listing + "&page=2").text
    assert "第一场" in second and "第三场" not in second and 'rel="next"' not in second
    past = browser.client.get(listing + "&page=9").text
    assert "已过最后一页（共 2 页）" in past and "这里还没有记录宣讲活动。" not in past
    assert f'href="/areas/{world.a.area.id}/events?kind=stall&amp;page=2"' in past


def test_a_retried_submission_is_stored_once_and_answers_as_the_first(world, browser):
    browser.login("a-supervisor")
    data = event_form(world.a.area.id)
    first = browser.post("/events/new", data)
    second = browser.post("/events/new", data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert event_count() == 1
    assert event_sums([world.a.area.id])[world.a.area.id]["people_reached"] == 300


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"people_reached": "-1"}, "0 到 100,000"),
        ({"people_reached": "100001"}, "0 到 100,000"),
        ({"leaflets": "abc"}, "0 到 100,000"),
        ({"kind": "party"}, "活动类型"),
        ({"client_uuid": "not-a-uuid"}, "重新"),
        ({"held_at": ""}, "时间"),
    ],
)
def test_invalid_input_is_refused_with_a_sentence_and_nothing_written(world, browser, overrides, message):
    browser.login("a-supervisor")
    response = browser.post("/events/new", event_form(world.a.area.id, **overrides))
    assert response.status_code == 422
    assert message in response.text
    assert event_count() == 0 and rollup_rows() == 0


def test_an_area_outside_mine_is_refused_and_the_other_stations_events_are_not_found(world, browser):
    make_leader(world)
    browser.login("b-supervisor")
    assert browser.post("/events/new", event_form(world.b.area.id)).status_code == 303
    b_event = db.session.scalars(select(OutreachEvent)).one()
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})

    browser.login("a-volunteer")  # leads A's team
    assert browser.client.get(f"/events/new?area={world.b.area.id}").status_code == 404
    refused = browser.post("/events/new", event_form(world.b.community.id))
    assert refused.status_code == 422 and "请选择您辖区内的地点" in refused.text
    assert event_count() == 1
    assert browser.client.get(f"/areas/{world.b.area.id}/events").status_code == 404
    assert browser.client.get(f"/events/{b_event.id}").status_code == 404
    assert browser.client.get(f"/events/{b_event.id}/photo").status_code == 404
    # At home, the leader records.
    assert browser.post("/events/new", event_form(world.a.area.id)).status_code == 303
    assert event_count() == 2


def test_a_volunteer_who_leads_no_team_may_not_record_but_sees_the_list(world, browser):
    browser.login("a-volunteer")
    assert browser.client.get("/events/new").status_code == 403
    assert browser.post("/events/new", event_form(world.a.area.id)).status_code == 403
    listing = browser.client.get(f"/areas/{world.a.area.id}/events")
    assert listing.status_code == 200 and "/events/new" not in listing.text


def test_withdrawing_takes_the_event_back_out_and_is_audited(world, browser):
    browser.login("a-supervisor")
    browser.post("/events/new", event_form(world.a.area.id))
    event = db.session.scalars(select(OutreachEvent)).one()
    response = browser.post(f"/events/{event.id}/withdraw", {})
    assert response.status_code == 303
    db.session.refresh(event)
    assert event.withdrawn_at is not None
    sums = event_sums([world.a.area.id, world.district.id])
    assert sums[world.a.area.id]["people_reached"] == 0 and sums[world.district.id]["events"] == 0
    assert recount_differences() == []
    from fieldapp.models import AuditEvent

    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "event.withdraw")) is not None
    assert "实验小学防诈讲座" not in browser.client.get(f"/areas/{world.a.area.id}/events").text


def test_verify_tallies_recounts_events_and_finds_a_tampered_rollup(world, browser, app):
    browser.login("a-supervisor")
    browser.post("/events/new", event_form(world.a.community.id))
    browser.post("/events/new", event_form(world.a.area.id, kind="stall", people_reached="45"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify-tallies"])
    assert result.exit_code == 0, result.output
    row = db.session.scalars(select(AreaDailyEventTally).where(AreaDailyEventTally.area_id == world.a.area.id)).one()
    assert row.people_reached == 345
    row.people_reached = 999
    db.session.commit()
    result = runner.invoke(args=["verify-tallies"])
    assert result.exit_code != 0
    assert "people_reached is 999 in the rollup, 345 by recount" in result.output


def jpeg_with_gps(width=3000, height=2000) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_resized_stripped_of_its_location_and_shown_only_inside_the_area(world, browser, app, tmp_path):
    app.config["EVENT_PHOTOS_DIR"] = str(tmp_path / "photos")
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    browser.login("a-supervisor")
    data = event_form(world.a.area.id)
    data["photo"] = (io.BytesIO(original), "IMG_0001.jpg")
    response = browser.post("/events/new", data, content_type="multipart/form-data")
    assert response.status_code == 303, response.text
    event = db.session.scalars(select(OutreachEvent)).one()
    served = browser.client.get(f"/events/{event.id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert max(image.size) == 1280 and image.size == (1280, 853)
    assert not image.getexif()  # no EXIF at all: no GPS, no maker
    assert b"GPS" not in served.data and b"PhoneMaker" not in served.data
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("b-supervisor")
    assert browser.client.get(f"/events/{event.id}/photo").status_code == 404


def test_a_file_that_is_not_a_picture_is_refused_with_a_sentence(world, browser, app, tmp_path):
    app.config["EVENT_PHOTOS_DIR"] = str(tmp_path / "photos")
    browser.login("a-supervisor")
    data = event_form(world.a.area.id)
    data["photo"] = (io.BytesIO(b"%PDF-1.4 not a picture"), "photo.jpg")
    response = browser.post("/events/new", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "不是可以读取的照片" in response.text
    assert event_count() == 0 and rollup_rows() == 0
    assert not list((tmp_path / "photos").glob("*"))


def test_the_weekly_report_shows_events_and_people_reached_per_area_beside_door_to_door(world, browser):
    from fieldapp.periods import week_bounds
    from fieldapp.reports.weekly import build_weekly
    from fieldapp.visits.clock import local_today

    browser.login("a-supervisor")
    browser.post("/events/new", event_form(world.a.community.id, held_at=local_now_text(1)))
    data = build_weekly(world.district, week_bounds(local_today())[0])
    rows = {row["name"]: row for row in data["events"]}
    assert rows["测试区"]["own"] and rows["测试区"]["week"]["people_reached"] == 300
    assert rows["甲派出所"]["week"]["events"] == 1 and rows["甲派出所"]["to_date"]["people_reached"] == 300
    assert rows["乙派出所"]["to_date"]["events"] == 0
    assert data["summary"]["coverage"] is None or data["summary"]["coverage"] == 0  # no household from the talk
    browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    browser.login("district-admin")
    page = browser.client.get("/reports/weekly").text
    section = page[page.index('id="weekly-events"') :]
    assert "宣讲活动" in section and ">300<" in section
