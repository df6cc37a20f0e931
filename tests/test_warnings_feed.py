"""The platform's warning feed, POST /api/v1/warnings, on both databases: only a key with the warnings scope (of a
supervisor or admin) posts; a retry stores nothing new and answers the same warning; one bad warning in a list
stores none; each is routed as an imported one is; the phone is never answered in full."""

from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.api.tokens import issue_token
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import BATCH_LIMIT
from fieldapp.models import ApiToken, MemberAssignment
from fieldapp.models.outreach import FraudWarning
from tests.conftest import Browser, app_config, csrf_from


def bearer(user, world, scope="warnings") -> dict:
    _token, plain = issue_token(user, "platform feed", world.admin, scope=scope)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def iso(moment) -> str:
    return moment.replace(tzinfo=UTC).isoformat()


def a_warning(number: str = "YJ-1", **overrides) -> dict:
    return {"external_id": number, "received_at": iso(utcnow() - timedelta(minutes=2)), **overrides}


def stored() -> int:
    return db.session.scalar(select(func.count(FraudWarning.id)))


@pytest.fixture
def feed(world):
    return bearer(world.a.supervisor, world)


def test_only_a_warnings_key_of_a_supervisor_or_admin_posts_warnings(world, client, feed):
    for scope in ("read", "visits"):
        response = client.post("/api/v1/warnings", json=a_warning(), headers=bearer(world.a.supervisor, world, scope))
        assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    # A warnings key reads, but does not record visits.
    assert client.get("/api/v1/walk-list", headers=feed).status_code == 200
    visit = {"client_uuid": "0b7f9a52-3c1d-4a8e-9f00-000000000001", "tag": world.a.sites[0].active_tag.token}
    assert client.post("/api/v1/visits", json={**visit, "outcome": "not_home"}, headers=feed).status_code == 403
    assert stored() == 0
    assert client.post("/api/v1/warnings", json=a_warning(), headers=feed).status_code == 201
    assert stored() == 1
    # A volunteer is never issued such a key.
    with pytest.raises(ValueError):
        issue_token(world.a.volunteer, "feed", world.admin, scope="warnings")


def test_the_admin_page_issues_a_warnings_key_to_a_supervisor_only(world, browser):
    browser.login("district-admin")
    page = browser.client.get(f"/admin/users/{world.a.supervisor.id}/tokens")
    assert 'value="warnings"' in page.text
    data = {"name": "预警平台", "scope": "warnings", "days": "90", "csrf_token": csrf_from(page.text)}
    assert browser.client.post(f"/admin/users/{world.a.supervisor.id}/tokens", data=data).status_code == 200
    volunteer_page = browser.client.get(f"/admin/users/{world.a.volunteer.id}/tokens")
    assert 'value="warnings"' not in volunteer_page.text
    data["csrf_token"] = csrf_from(volunteer_page.text)
    assert browser.client.post(f"/admin/users/{world.a.volunteer.id}/tokens", data=data).status_code == 422
    keys = {(key.user_id, key.scope) for key in db.session.scalars(select(ApiToken))}
    assert keys == {(world.a.supervisor.id, "warnings")}


def test_a_retried_warning_is_stored_once_and_answered_the_same(world, client, feed):
    body = a_warning("YJ-R", phone="13812341234", category="刷单返利")
    first = client.post("/api/v1/warnings", json=body, headers=feed)
    again = client.post("/api/v1/warnings", json=body, headers=feed)
    assert (first.status_code, again.status_code) == (201, 200)
    one, two = first.get_json()["warnings"][0], again.get_json()["warnings"][0]
    assert (one["created"], two["created"]) == (True, False)
    assert {**one, "created": None} == {**two, "created": None}
    assert stored() == 1
    # The same number in a list, beside a new one: the new one is stored, the old one answered as it was.
    both = client.post("/api/v1/warnings", json=[body, a_warning("YJ-S")], headers=feed)
    assert both.status_code == 201 and both.get_json()["created"] == 1
    assert both.get_json()["warnings"][0]["id"] == one["id"]
    assert stored() == 2


def test_one_bad_warning_in_a_list_stores_none_and_says_which_field(world, client, feed):
    batch = [
        a_warning("YJ-1"),
        a_warning("YJ-2", phone="12"),
        a_warning("YJ-3", received_at=iso(utcnow() + timedelta(hours=2))),
        a_warning("YJ-4", door_code="ZZZZ9999"),
    ]
    response = client.post("/api/v1/warnings", json=batch, headers=feed)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert set(fields) == {"1.phone", "2.received_at", "3.door_code"}
    assert "7" in fields["1.phone"]  # in Chinese by default: 7 到 20 位
    assert stored() == 0
    one = client.post("/api/v1/warnings", json=a_warning("YJ-5", colour="red"), headers=feed)
    assert one.status_code == 422 and set(one.get_json()["fields"]) == {"colour"}
    english = client.post(
        "/api/v1/warnings", json={"received_at": "yesterday"}, headers={**feed, "Accept-Language": "en"}
    )
    assert english.status_code == 422
    assert set(english.get_json()["fields"]) == {"external_id", "received_at"}
    assert "offset" in english.get_json()["fields"]["received_at"]
    assert stored() == 0


def test_size_limits_a_list_of_more_than_the_batch_limit_or_an_empty_one_is_refused(world, client, feed):
    too_many = [a_warning(f"YJ-{n}") for n in range(BATCH_LIMIT + 1)]
    for body in (too_many, [], "YJ-1", 5):
        response = client.post("/api/v1/warnings", json=body, headers=feed)
        assert response.status_code == 422 and set(response.get_json()["fields"]) == {"body"}
    assert stored() == 0
    exactly = [a_warning(f"YJ-{n}") for n in range(BATCH_LIMIT)]
    assert client.post("/api/v1/warnings", json=exactly, headers=feed).status_code == 201
    assert stored() == BATCH_LIMIT


def test_a_warning_is_routed_as_an_imported_one_to_its_household_and_the_person_of_its_building(world, client, feed):
    db.session.add(MemberAssignment(area_id=world.a.building.id, user_id=world.a.volunteer.id, team_id=world.a.team.id))
    db.session.commit()
    by_phone = a_warning("YJ-P", phone="13812341234")
    by_code = a_warning("YJ-C", door_code=world.a.sites[2].active_tag.short_code.lower())
    by_address = a_warning("YJ-A", address="甲派出所社区1号楼1单元201")
    nowhere = a_warning("YJ-N", address="不存在的地址")
    response = client.post("/api/v1/warnings", json=[by_phone, by_code, by_address, nowhere], headers=feed)
    assert response.status_code == 201
    answered = {item["external_id"]: item for item in response.get_json()["warnings"]}
    sites = world.a.sites
    assert [answered[n]["site_id"] for n in ("YJ-P", "YJ-C", "YJ-A", "YJ-N")] == [
        sites[0].id,
        sites[2].id,
        sites[1].id,
        None,
    ]
    for number in ("YJ-P", "YJ-C", "YJ-A"):
        assert answered[number]["area"]["id"] == world.a.grid.id
        assert answered[number]["assigned_to_id"] == world.a.volunteer.id
    # No household found: the key holder's station, for a supervisor to route.
    assert answered["YJ-N"]["area"]["id"] == world.a.area.id and answered["YJ-N"]["assigned_to_id"] is None
    warning = db.session.scalar(select(FraudWarning).where(FraudWarning.external_id == "YJ-P"))
    assert warning.visit_due_at - warning.received_at == timedelta(hours=8) and warning.source == "feed"
    # It is on the volunteer's Today.
    volunteer = Browser(client)
    volunteer.login("a-volunteer")
    assert f"/warnings/{warning.id}" in volunteer.client.get("/today").text


def test_another_stations_door_code_is_not_found_and_the_phone_is_never_answered_in_full(world, client, feed):
    other = a_warning("YJ-B", door_code=world.b.sites[0].active_tag.short_code)
    refused = client.post("/api/v1/warnings", json=other, headers=feed)
    assert refused.status_code == 422 and "door_code" in refused.get_json()["fields"]
    assert stored() == 0
    # With the country code, the number still finds its household; it is answered masked.
    response = client.post("/api/v1/warnings", json=a_warning("YJ-M", phone="+8613812341234"), headers=feed)
    assert response.status_code == 201
    answered = response.get_json()["warnings"][0]
    assert answered["site_id"] == world.a.sites[0].id
    assert "3812341234" not in response.text and answered["phone"] == "138****1234"
    bad = client.post("/api/v1/warnings", json=a_warning("YJ-X", phone="13987654321x"), headers=feed)
    assert bad.status_code == 422 and "phone" in bad.get_json()["fields"] and "13987654321" not in bad.text


def test_a_volunteers_session_cannot_post_warnings_and_a_supervisors_needs_the_csrf_header(app, world, browser):
    browser.login("a-volunteer")
    token = browser.client.get("/api/v1/session").get_json()["csrf_token"]
    refused = browser.client.post("/api/v1/warnings", json=a_warning(), headers={"X-CSRFToken": token})
    assert refused.status_code == 403
    supervisor = Browser(app.test_client())
    supervisor.login("a-supervisor")
    assert supervisor.client.post("/api/v1/warnings", json=a_warning()).status_code == 400
    token = supervisor.client.get("/api/v1/session").get_json()["csrf_token"]
    posted = supervisor.client.post("/api/v1/warnings", json=a_warning(), headers={"X-CSRFToken": token})
    assert posted.status_code == 201 and stored() == 1


@pytest.fixture
def limited_api(world, database_uri):
    from fieldapp import create_app

    app = create_app({**app_config(database_uri), "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "2 per minute"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_feed_is_rate_limited_per_key_and_a_body_too_large_is_refused(world, limited_api):
    headers = bearer(world.a.supervisor, world)
    client = limited_api.test_client()
    codes = [client.post("/api/v1/warnings", json=a_warning(f"YJ-{n}"), headers=headers).status_code for n in range(3)]
    assert codes == [201, 201, 429]
    assert stored() == 2
    other = client.post(
        "/api/v1/warnings", json=a_warning("YJ-X", address="东" * 100_000), headers=bearer(world.a.supervisor, world)
    )
    assert other.status_code == 413 and other.is_json
    assert stored() == 2


def test_another_stations_warning_number_is_refused_and_nothing_about_it_answered(world, client, feed):
    theirs = client.post(
        "/api/v1/warnings", json=a_warning("YJ-B", address="乙地址"), headers=bearer(world.b.supervisor, world)
    )
    assert theirs.status_code == 201
    response = client.post("/api/v1/warnings", json=a_warning("YJ-B"), headers=feed)
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"external_id"}
    assert "乙地址" not in response.text
    assert stored() == 1


def test_a_short_number_is_masked_all_but_its_last_four_digits(world, client, feed):
    response = client.post("/api/v1/warnings", json=a_warning("YJ-S", phone="8765432"), headers=feed)
    assert response.status_code == 201
    assert response.get_json()["warnings"][0]["phone"] == "***5432"
