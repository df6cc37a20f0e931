"""Changing one's own password; the minimum length wherever a password is set."""

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.limits import PASSWORD_MIN
from fieldapp.models import AuditEvent, User
from tests.conftest import csrf_from

NEW = "a-new-long-password"


def change(browser, current="secret-password", new=NEW, again=None):
    page = browser.client.get("/account/password")
    assert page.status_code == 200
    data = {"current_password": current, "new_password": new, "new_password_again": again or new}
    return browser.client.post("/account/password", data={**data, "csrf_token": csrf_from(page.text)})


@pytest.mark.parametrize("username", ["a-volunteer", "a-lead", "a-supervisor", "district-admin"])
def test_every_logged_in_user_finds_the_password_page_from_every_page(world, browser, username):
    browser.login(username)
    assert 'href="/account/password"' in browser.client.get("/", follow_redirects=True).text


def test_a_volunteer_changes_their_password_and_logs_in_with_the_new_one(world, app, browser):
    browser.login("a-volunteer")
    response = change(browser)
    assert response.status_code == 303
    assert browser.client.get("/today").status_code == 200  # this phone stays logged in
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_change"))
    assert event is not None and NEW not in str(event.after)
    fresh = app.test_client()
    page = fresh.get("/login")
    data = {"username": "a-volunteer", "password": "secret-password", "csrf_token": csrf_from(page.text)}
    assert fresh.post("/login", data=data).status_code == 422
    assert fresh.post("/login", data={**data, "password": NEW}).status_code == 303


def test_a_password_change_logs_out_every_other_session_and_remember_cookie(world, app, browser):
    other_phone = app.test_client()
    page = other_phone.get("/login")
    other_phone.post(
        "/login",
        data={
            "username": "a-volunteer",
            "password": "secret-password",
            "remember": "y",
            "csrf_token": csrf_from(page.text),
        },
    )
    remembered = other_phone.get_cookie("remember_token").value
    assert other_phone.get("/today").status_code == 200
    browser.login("a-volunteer")
    assert change(browser).status_code == 303
    assert other_phone.get("/today").status_code == 302  # its session is over
    stolen = app.test_client()
    stolen.set_cookie("remember_token", remembered)
    assert stolen.get("/today").status_code == 302  # and so is any remember-me cookie made before
    # The phone that changed it keeps a working remember-me cookie of the new generation.
    kept = app.test_client()
    kept.set_cookie("remember_token", browser.client.get_cookie("remember_token").value)
    assert kept.get("/today").status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "again", "message"),
    [
        ("wrong-password!", NEW, NEW, "不是您当前的密码"),
        ("secret-password", "short", "short", str(PASSWORD_MIN)),
        ("secret-password", NEW, NEW + "x", "两次输入的新密码不一致"),
        ("secret-password", "secret-password", "secret-password", "请换一个"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(world, browser, current, new, again, message):
    browser.login("a-volunteer")
    response = change(browser, current, new, again)
    assert response.status_code == 422 and message in response.text
    user = db.session.scalar(select(User).where(User.username == "a-volunteer"))
    assert user.check_password("secret-password") and user.session_version == 0
    assert browser.client.get("/today").status_code == 200


def test_the_admin_cannot_create_an_account_with_a_short_password(world, browser):
    browser.login("district-admin")
    page = browser.client.get("/admin/users/new")
    response = browser.client.post(
        "/admin/users/new",
        data={
            "username": "new-volunteer",
            "display_name": "新志愿者",
            "password": "x" * (PASSWORD_MIN - 1),
            "role": "volunteer",
            "area_id": world.a.area.id,
            "team_id": 0,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.username == "new-volunteer")) is None


def test_create_user_refuses_a_short_password(world, app):
    runner = app.test_cli_runner()
    args = ["create-user", "shorty", "--name", "短", "--role", "admin", "--area-id", str(world.district.id)]
    refused = runner.invoke(args=[*args, "--password", "x" * (PASSWORD_MIN - 1)])
    assert refused.exit_code != 0 and "12" in refused.output
    assert db.session.scalar(select(User).where(User.username == "shorty")) is None
    made = runner.invoke(args=[*args, "--password", "x" * PASSWORD_MIN])
    assert made.exit_code == 0, made.output
