"""API keys: they expire, carry a scope, are never issued for another admin, and the API has a rate limit."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldapp import permissions
from fieldapp.api.tokens import issue_token
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.limits import KEY_DAYS_DEFAULT
from fieldapp.models import ApiToken, Area, User
from tests.conftest import app_config, csrf_from


def bearer(plain: str) -> dict:
    return {"Authorization": f"Bearer {plain}"}


def a_visit(site) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "tag": site.active_tag.token, "outcome": "not_home"}


def test_an_expired_key_opens_nothing(world, client):
    token, plain = issue_token(world.a.volunteer, "tablet", world.admin, days=1)
    db.session.commit()
    assert client.get("/api/v1/walk-list", headers=bearer(plain)).status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    refused = client.get("/api/v1/walk-list", headers=bearer(plain))
    assert refused.status_code == 401 and refused.get_json()["error"] == "unauthorized"


def test_a_key_from_before_keys_expired_lasts_the_default_days(world, client):
    token, plain = issue_token(world.a.volunteer, "old tablet", world.admin)
    token.expires_at = None
    token.created_at = utcnow() - timedelta(days=KEY_DAYS_DEFAULT, seconds=1)
    db.session.commit()
    assert client.get("/api/v1/walk-list", headers=bearer(plain)).status_code == 401


def test_a_read_key_reads_but_cannot_post_visits(world, client):
    _token, plain = issue_token(world.a.volunteer, "wall screen", world.admin, scope="read")
    db.session.commit()
    assert client.get("/api/v1/walk-list", headers=bearer(plain)).status_code == 200
    for path, body in [("/api/v1/visits", a_visit(world.a.sites[0])), ("/api/v1/visits/batch", {"visits": []})]:
        refused = client.post(path, json=body, headers=bearer(plain))
        assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    _token, plain = issue_token(world.a.volunteer, "phone", world.admin, scope="visits")
    db.session.commit()
    assert client.post("/api/v1/visits", json=a_visit(world.a.sites[0]), headers=bearer(plain)).status_code == 201


def admin_of(area, name="a-admin") -> User:
    from fieldapp.admin.services import create_user

    user = create_user(name, "secret-password", "管理员", "admin", area)
    db.session.commit()
    return user


def test_an_admin_cannot_issue_a_key_for_another_admin(world, browser):
    station_admin = admin_of(world.a.area)
    assert permissions.may_issue_key_for(world.admin, world.a.volunteer)
    assert permissions.may_issue_key_for(world.admin, world.admin)  # their own
    assert not permissions.may_issue_key_for(world.admin, station_admin)
    assert not permissions.may_issue_key_for(world.a.supervisor, world.a.volunteer)
    browser.login("district-admin")
    page = browser.client.get(f"/admin/users/{station_admin.id}/tokens")
    assert page.status_code == 200 and 'name="scope"' not in page.text
    response = browser.post(f"/admin/users/{station_admin.id}/tokens", {"name": "x", "scope": "read", "days": "30"})
    assert response.status_code == 403
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == station_admin.id)) is None


def test_the_admin_issues_a_key_with_a_scope_and_an_expiry(world, browser):
    browser.login("district-admin")
    page = browser.client.get(f"/admin/users/{world.a.volunteer.id}/tokens")
    assert f'value="{KEY_DAYS_DEFAULT}"' in page.text
    data = {"name": "楼栋平板", "scope": "read", "days": "30", "csrf_token": csrf_from(page.text)}
    assert browser.client.post(f"/admin/users/{world.a.volunteer.id}/tokens", data=data).status_code == 200
    key = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.a.volunteer.id))
    assert key.scope == "read"
    assert abs(key.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    too_long = {**data, "days": "9999", "csrf_token": csrf_from(page.text)}
    assert browser.client.post(f"/admin/users/{world.a.volunteer.id}/tokens", data=too_long).status_code == 422


@pytest.fixture
def limited_api(world, database_uri):
    from fieldapp import create_app

    app = create_app({**app_config(database_uri), "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_api_is_rate_limited_per_key_with_a_json_429(world, limited_api):
    _one, first = issue_token(world.a.volunteer, "one", world.admin)
    _two, second = issue_token(world.a.volunteer, "two", world.admin)
    db.session.commit()
    client = limited_api.test_client()
    codes = [client.get("/api/v1/walk-list", headers=bearer(first)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/walk-list", headers=bearer(first))
    assert limited.is_json and limited.get_json()["error"] == "too_many_requests"
    assert "Retry-After" in limited.headers
    assert client.get("/api/v1/walk-list", headers=bearer(second)).status_code == 200  # another key, its own count
    area = db.session.get(Area, world.a.area.id)
    assert area is not None
