"""The JSON API: token or cookie sign-in, visits stored once (200 on a resend, 409 on other content),
422 with a message per field, the walk list and tallies inside the caller's area only."""

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fieldapp.api.tokens import issue_token, revoke_token
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Tag, Visit
from fieldapp.tags.services import reprint_tag
from fieldapp.tallies import area_totals, recount_differences


def token_for(user, world) -> dict:
    _token, plain = issue_token(user, "test client", world.admin)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def visit_json(site, **overrides) -> dict:
    data = {
        "client_uuid": str(uuid.uuid4()),
        "tag": site.active_tag.token,
        "outcome": "talked",
        "people_reached": 2,
        "app_installs": 1,
        "realname_regs": 1,
        "lat": 30.00003,
        "lon": 120.00002,
        "accuracy_m": 9,
        "device_time": iso(utcnow()),
        "sent_at": iso(utcnow()),
    }
    data.update(overrides)
    return data


def iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat()


def visits() -> int:
    return db.session.scalar(select(func.count(Visit.id)))


@pytest.fixture
def volunteer(world):
    return token_for(world.a.volunteer, world)


def test_a_visit_posted_with_a_token_counts_in_every_tally_above_the_door(world, client, volunteer):
    site = world.a.sites[0]
    response = client.post("/api/v1/visits", json=visit_json(site), headers=volunteer)
    assert response.status_code == 201
    body = response.get_json()
    assert body["created"] is True
    assert body["visit"]["site_id"] == site.id and body["visit"]["app_installs"] == 1
    for area in (world.a.building, world.a.grid, world.a.community, world.a.area, world.district):
        totals = area_totals(area)
        assert (totals.visits, totals.app_installs, totals.households_covered) == (1, 1, 1), area.level
    tallies = client.get(f"/api/v1/areas/{world.a.area.id}/tallies", headers=volunteer).get_json()
    assert tallies["totals"]["app_installs"] == 1 and tallies["totals"]["households_covered"] == 1
    assert tallies["totals"]["coverage_percent"] == 25.0
    assert recount_differences() == []


def test_the_answer_to_a_new_visit_is_the_visit_as_stored(world, client, volunteer):
    """The answer is built from what the write itself knows (nothing is read back after the commit): it must be
    what the database holds, every field, GPS evidence included."""
    from fieldapp.api.responses import VisitOut

    site = world.a.sites[0]
    response = client.post("/api/v1/visits", json=visit_json(site, lat=30.0021, note="二楼东"), headers=volunteer)
    assert response.status_code == 201
    answered = response.get_json()["visit"]
    db.session.expire_all()
    stored = db.session.get(Visit, answered["id"])
    assert answered == VisitOut.of(stored)
    assert answered["gps_flags"] == ["far"] and answered["distance_m"] == stored.distance_m > 200


def test_the_same_visit_sent_again_is_stored_once_and_other_content_is_a_conflict(world, client, volunteer):
    site = world.a.sites[0]
    visit = visit_json(site)
    first = client.post("/api/v1/visits", json=visit, headers=volunteer)
    again = client.post("/api/v1/visits", json={**visit, "sent_at": iso(utcnow() + timedelta(seconds=30))})
    assert again.status_code == 401  # no token, no cookie
    again = client.post(
        "/api/v1/visits", json={**visit, "sent_at": iso(utcnow() + timedelta(seconds=30))}, headers=volunteer
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["created"] is False
    assert again.get_json()["visit"]["id"] == first.get_json()["visit"]["id"]

    other = client.post("/api/v1/visits", json={**visit, "app_installs": 2}, headers=volunteer)
    assert other.status_code == 409
    assert other.get_json()["error"] == "conflict"
    assert other.get_json()["visit"]["app_installs"] == 1  # what stands
    elsewhere = client.post(
        "/api/v1/visits", json={**visit, "tag": world.a.sites[1].active_tag.token}, headers=volunteer
    )
    assert elsewhere.status_code == 409
    assert visits() == 1
    assert area_totals(world.a.area).app_installs == 1


def test_a_visit_recorded_on_the_door_page_and_resent_by_the_outbox_counts_once(world, browser):
    """The page's post timed out on the phone but reached the server; the outbox sends the same visit."""
    site = world.a.sites[0]
    browser.login("a-volunteer")
    form = {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "talked",
        "people_reached": "2",
        "app_installs": "1",
        "realname_regs": "0",
        "miniprogram_regs": "0",
        "notice_signed": "y",
        "note": " 老人在家 ",
        "lat": "30.000031",
        "lon": "120.000022",
        "accuracy_m": "9",
        "device_time": "2026-11-23T02:00:00.000Z",
    }
    assert browser.post(f"/h/{site.active_tag.token}", form).status_code == 303
    session = browser.client.get("/api/v1/session").get_json()
    resend = {
        "client_uuid": form["client_uuid"],
        "tag": site.active_tag.token,
        "outcome": "talked",
        "people_reached": 2,
        "app_installs": 1,
        "realname_regs": 0,
        "miniprogram_regs": 0,
        "notice_signed": True,
        "receipt_collected": False,
        "note": "老人在家",
        "lat": 30.000031,
        "lon": 120.000022,
        "accuracy_m": 9,
        "device_time": "2026-11-23T02:00:00.000Z",
        "sent_at": iso(utcnow()),
    }
    answer = browser.client.post(
        "/api/v1/visits/batch", json={"visits": [resend]}, headers={"X-CSRFToken": session["csrf_token"]}
    )
    assert answer.get_json()["results"][0]["status"] == 200
    assert visits() == 1


def test_invalid_fields_get_a_message_each_and_nothing_is_stored(world, client, volunteer):
    site = world.a.sites[0]
    bad = visit_json(
        site,
        client_uuid="not-a-uuid",
        outcome="maybe",
        people_reached=-1,
        app_installs=True,
        lat=91,
        device_time="yesterday",
        colour="red",
    )
    response = client.post("/api/v1/visits", json=bad, headers=volunteer)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert set(fields) == {"client_uuid", "outcome", "people_reached", "app_installs", "lat", "device_time", "colour"}
    assert fields["lat"] == "定位数据超出有效范围。"  # Chinese first

    rules = client.post(
        "/api/v1/visits",
        json=visit_json(site, people_reached=1, app_installs=3),
        headers={**volunteer, "Accept-Language": "en"},
    )
    assert rules.status_code == 422
    assert rules.get_json()["fields"] == {"app_installs": "Cannot be more than the people reached."}
    not_json = client.post("/api/v1/visits", data="outcome=talked", headers=volunteer)
    assert not_json.status_code == 422
    assert visits() == 0


def test_a_batch_settles_each_visit_on_its_own(world, client, volunteer):
    good, resent = visit_json(world.a.sites[0]), visit_json(world.a.sites[1])
    client.post("/api/v1/visits", json=resent, headers=volunteer)
    batch = [good, resent, visit_json(world.a.sites[2], outcome="nope"), visit_json(world.b.sites[0])]
    response = client.post("/api/v1/visits/batch", json={"visits": batch}, headers=volunteer)
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == [201, 200, 422, 404]
    assert visits() == 2
    assert client.post("/api/v1/visits/batch", json={"visits": []}, headers=volunteer).status_code == 422
    too_many = [visit_json(world.a.sites[0]) for _ in range(101)]
    assert client.post("/api/v1/visits/batch", json={"visits": too_many}, headers=volunteer).status_code == 422


def test_another_stations_doors_and_areas_are_not_found(world, client, volunteer):
    response = client.post("/api/v1/visits", json=visit_json(world.b.sites[0]), headers=volunteer)
    assert response.status_code == 404
    assert client.get(f"/api/v1/areas/{world.b.area.id}/tallies", headers=volunteer).status_code == 404
    assert client.get(f"/api/v1/areas/{world.district.id}/tallies", headers=volunteer).status_code == 404
    walk = client.get("/api/v1/walk-list", headers=volunteer).get_json()
    site_ids = {site["id"] for building in walk["buildings"] for site in building["sites"]}
    assert site_ids == {site.id for site in world.a.sites}
    assert "1381234" not in json.dumps(walk)  # no phone numbers or names in what the phone keeps
    assert visits() == 0


def test_a_revoked_token_or_inactive_user_opens_nothing(world, client):
    issued, plain = issue_token(world.a.volunteer, "lost phone", world.admin)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/session", headers=headers).status_code == 200
    revoke_token(issued)
    db.session.commit()
    refused = client.get("/api/v1/session", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"] == "unauthorized"
    assert client.get("/api/v1/session", headers={"Authorization": "Bearer fa_guessed"}).status_code == 401

    _other, plain = issue_token(world.a.lead, "tablet", world.admin)
    world.a.lead.is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/session", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    # A token never signs in to the pages.
    assert client.get("/today", headers={"Authorization": f"Bearer {plain}"}).status_code == 302
    stored = db.session.scalars(select(Tag.token)).all()
    assert plain not in stored and all(plain not in e.after.__str__() for e in db.session.scalars(select(AuditEvent)))


def test_writes_signed_in_by_cookie_need_the_csrf_header(world, browser):
    browser.login("a-volunteer")
    visit = visit_json(world.a.sites[0])
    refused = browser.client.post("/api/v1/visits", json=visit)
    assert refused.status_code == 400 and refused.is_json
    csrf = browser.client.get("/api/v1/session").get_json()["csrf_token"]
    assert browser.client.post("/api/v1/visits", json=visit, headers={"X-CSRFToken": csrf}).status_code == 201


def test_a_phone_clock_off_by_more_than_ten_minutes_is_flagged_not_refused(world, client, volunteer):
    now = utcnow()
    # The phone runs 3 hours fast, and sends 2 hours after recording (a basement, then signal).
    skewed = visit_json(
        world.a.sites[0], device_time=iso(now + timedelta(hours=1)), sent_at=iso(now + timedelta(hours=3))
    )
    response = client.post("/api/v1/visits", json=skewed, headers=volunteer)
    assert response.status_code == 201
    visit = db.session.get(Visit, response.get_json()["visit"]["id"])
    assert visit.clock_skewed is True
    assert abs(visit.clock_offset_s - 3 * 3600) < 60
    assert visit.device_time is not None and visit.server_time >= now  # both clocks are kept
    # Recorded 2 hours before it was sent, by the server's clock: that is the working day.
    recorded = (now - timedelta(hours=2)).replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    assert visit.day == recorded.date()

    fine = visit_json(world.a.sites[1], sent_at=iso(now + timedelta(minutes=4)))
    assert client.post("/api/v1/visits", json=fine, headers=volunteer).get_json()["visit"]["clock_skewed"] is False
    unknown = visit_json(world.a.sites[2], sent_at=None, device_time=iso(now - timedelta(days=2)))
    stored = client.post("/api/v1/visits", json=unknown, headers=volunteer).get_json()["visit"]
    assert stored["clock_skewed"] is False  # no send time: nothing to compare, nothing flagged


def test_a_visit_on_a_tag_retired_since_it_was_saved_is_kept(world, client, volunteer):
    site = world.a.sites[0]
    old_token = site.active_tag.token
    reprint_tag(site)  # a lead reprinted the tag after the phone saved the visit
    db.session.commit()
    response = client.post("/api/v1/visits", json=visit_json(site, tag=old_token), headers=volunteer)
    assert response.status_code == 201


def test_losing_30_percent_of_answers_and_resending_lands_every_visit_once(world, client, volunteer):
    """A phone on a weak signal: the server stores each request, but 3 answers in 10 never arrive."""
    rng = random.Random(2026)
    households = [site for site in world.a.sites if site.is_resident_household]
    outbox = {}
    for n in range(60):
        visit = visit_json(households[n % len(households)], outcome=rng.choice(["talked", "not_home"]))
        if visit["outcome"] != "talked":
            visit.update(people_reached=0, app_installs=0, realname_regs=0)
        outbox[visit["client_uuid"]] = visit
    expected_installs = sum(v["app_installs"] for v in outbox.values())
    lost = rounds = 0
    while outbox and rounds < 100:
        rounds += 1
        chunk = rng.sample(list(outbox.values()), k=min(len(outbox), rng.randint(1, 8)))
        response = client.post("/api/v1/visits/batch", json={"visits": chunk}, headers=volunteer)
        assert response.status_code == 200
        if rng.random() < 0.3:
            lost += 1
            continue  # the answer is lost: the phone keeps them all and sends again
        for result in response.get_json()["results"]:
            assert result["status"] in (200, 201)
            del outbox[result["client_uuid"]]
    assert not outbox and lost > 0
    assert visits() == 60
    assert area_totals(world.district).app_installs == expected_installs
    assert area_totals(world.district).visits == 60
    assert recount_differences() == []


def test_walk_list_and_tallies_refuse_bad_parameters_in_json(world, client, volunteer):
    assert client.get("/api/v1/walk-list?limit=0", headers=volunteer).status_code == 422
    assert client.get("/api/v1/walk-list?limit=x", headers=volunteer).status_code == 422
    assert client.get("/api/v1/walk-list?limit=¹", headers=volunteer).status_code == 422  # found by schemathesis
    response = client.get(f"/api/v1/areas/{world.a.area.id}/tallies?from=2026-11-30&to=2026-11-01", headers=volunteer)
    assert response.status_code == 422 and "to" in response.get_json()["fields"]
    assert client.get("/api/v1/areas/99999999999/tallies", headers=volunteer).status_code == 404
    missing = client.get("/api/v1/nothing-here", headers=volunteer)
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"


def test_the_openapi_document_describes_every_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    described = {f"/api/v1{path}" for path in document["paths"]}
    served = {
        str(rule).replace("<int:area_id>", "{area_id}")
        for rule in app.url_map.iter_rules()
        if str(rule).startswith("/api/v1") and not str(rule).endswith("openapi.json")
    }
    assert served == described


def test_a_clock_set_centuries_off_is_flagged_not_an_error(world, client, volunteer):
    """Found by schemathesis: an offset of 840 years overflowed the column (a 500)."""
    for n, (device, sent) in enumerate(
        (("1186-01-17T08:27:14Z", "1186-01-17T08:27:14Z"), ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"))
    ):
        visit = visit_json(world.a.sites[n], device_time=device, sent_at=sent)
        response = client.post("/api/v1/visits", json=visit, headers=volunteer)
        assert response.status_code == 201
        assert response.get_json()["visit"]["clock_skewed"] is True
        today = utcnow().replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
        assert response.get_json()["visit"]["day"] == today.isoformat()  # the server's day
