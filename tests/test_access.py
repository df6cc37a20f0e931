"""Area scope: nobody sees or changes anything outside their own area, by any route."""

import uuid

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, User, Visit


def other_station_urls(world) -> list[str]:
    b = world.b
    return [
        f"/h/{b.sites[0].active_tag.token}",
        f"/areas/{b.area.id}",
        f"/areas/{b.community.id}",
        f"/areas/{b.grid.id}",
        f"/areas/{b.building.id}",
        f"/areas/{world.district.id}",
    ]


@pytest.mark.parametrize("username", ["a-volunteer", "a-supervisor", "a-lead"])
def test_station_users_get_404_for_everything_of_another_station(world, browser, username):
    browser.login(username)
    for url in other_station_urls(world):
        response = browser.client.get(url)
        assert response.status_code == 404, url
        assert "乙派出所" not in response.text, url
        assert "未找到，或不在您的辖区内" in response.text


def test_a_volunteer_cannot_record_a_visit_at_another_stations_door(world, browser):
    browser.login("a-volunteer")
    token = world.b.sites[0].active_tag.token
    response = browser.post(
        f"/h/{token}",
        {
            "client_uuid": str(uuid.uuid4()),
            "outcome": "talked",
            "people_reached": "1",
            "app_installs": "1",
            "realname_regs": "0",
            "miniprogram_regs": "0",
        },
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_the_district_admin_sees_both_stations(world, browser):
    browser.login("district-admin")
    for url in other_station_urls(world):
        assert browser.client.get(url).status_code == 200, url
    page = browser.client.get(f"/areas/{world.district.id}").text
    assert "甲派出所" in page and "乙派出所" in page


def test_a_lead_sees_their_community_but_not_the_station_above_it(world, browser):
    browser.login("a-lead")
    assert browser.client.get(f"/h/{world.a.sites[0].active_tag.token}").status_code == 200
    assert browser.client.get(f"/areas/{world.a.community.id}").status_code == 200
    assert browser.client.get(f"/areas/{world.a.area.id}").status_code == 404


def test_breadcrumbs_stop_at_the_users_own_area(world, browser):
    browser.login("a-volunteer")
    page = browser.client.get(f"/areas/{world.a.building.id}").text
    assert "甲派出所社区" in page
    assert "测试区" not in page


def test_an_unknown_door_token_is_a_plain_404(world, browser):
    browser.login("a-volunteer")
    response = browser.client.get("/h/not-a-real-token")
    assert response.status_code == 404


def test_a_retired_tag_says_so_and_records_nothing(world, browser):
    from fieldapp.database import utcnow

    tag = world.a.sites[0].active_tag
    tag.retired_at = utcnow()
    db.session.commit()
    browser.login("a-volunteer")
    assert "这张门牌码已停用" in browser.client.get(f"/h/{tag.token}").text
    response = browser.post(
        f"/h/{tag.token}",
        {
            "client_uuid": str(uuid.uuid4()),
            "outcome": "not_home",
            "people_reached": "0",
            "app_installs": "0",
            "realname_regs": "0",
            "miniprogram_regs": "0",
        },
    )
    assert response.status_code == 410
    assert db.session.scalar(select(func.count(Visit.id))) == 0


@pytest.mark.parametrize("url", ["/", "/areas/1", "/admin/users", "/admin/users/new", "/h/anything"])
def test_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["a-volunteer", "a-supervisor", "a-lead"])
def test_only_admins_create_accounts(world, browser, username):
    browser.login(username)
    # A supervisor opens the list to look after their volunteers and leads (tests/test_accounts_admin.py).
    assert browser.client.get("/admin/users").status_code == (200 if username == "a-supervisor" else 403)
    assert browser.client.get("/admin/users/new").status_code == 403
    response = browser.post(
        "/admin/users/new",
        {
            "username": "sneaky",
            "display_name": "x",
            "password": "long-enough-pw",
            "role": "admin",
            "area_id": str(world.district.id),
            "team_id": "0",
        },
    )
    assert response.status_code == 403
    assert db.session.scalar(select(User).where(User.username == "sneaky")) is None


def new_user_form(world, **overrides) -> dict:
    data = {
        "username": "Zhang.Wei",
        "display_name": "张伟",
        "password": "a-long-password",
        "role": "volunteer",
        "area_id": str(world.a.area.id),
        "team_id": str(world.a.team.id),
    }
    return {**data, **overrides}


def test_an_admin_creates_an_account_and_it_is_audited(world, browser):
    browser.login("district-admin")
    response = browser.post("/admin/users/new", new_user_form(world))
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "zhang.wei"))
    assert (user.role, user.area_id, user.team_id) == ("volunteer", world.a.area.id, world.a.team.id)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.create", AuditEvent.object_id == user.id)
    )
    assert event.user_id == world.admin.id
    assert event.after["role"] == "volunteer"
    listing = browser.client.get("/admin/users").text
    assert "zhang.wei" in listing and "张伟" in listing
    # The new account can log in and sees its station.
    browser.post("/logout", {})
    assert browser.login("zhang.wei", "a-long-password").status_code == 303


def test_an_admin_cannot_create_an_account_outside_their_area(world, browser):
    from fieldapp.admin.services import create_user

    create_user("a-admin", "secret-password", "甲所管理员", "admin", world.a.area)
    db.session.commit()
    browser.login("a-admin")
    response = browser.post("/admin/users/new", new_user_form(world, area_id=str(world.b.area.id)))
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.username == "zhang.wei")) is None
    assert "乙派出所" not in browser.client.get("/admin/users/new").text


def test_a_taken_username_is_refused_visibly(world, browser):
    browser.login("district-admin")
    response = browser.post("/admin/users/new", new_user_form(world, username="A-Volunteer"))
    assert response.status_code == 422
    assert "该用户名已被使用" in response.text
    assert db.session.scalar(select(func.count(User.id))) == 7
