"""Logging in and out, from a phone."""

import re

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import User
from tests.conftest import app_config, csrf_from


def test_a_wrong_password_is_refused_with_a_message(world, browser):
    response = browser.login("a-volunteer", "wrong-password")
    assert response.status_code == 422
    assert "用户名或密码错误" in response.text
    assert browser.client.get("/").status_code == 302


def test_usernames_are_not_case_sensitive(world, browser):
    assert browser.login("A-Volunteer").status_code == 303


def test_a_deactivated_account_cannot_log_in(world, browser):
    user = db.session.scalar(select(User).where(User.username == "a-volunteer"))
    user.is_active_account = False
    db.session.commit()
    assert browser.login("a-volunteer").status_code == 422


def test_logging_out_takes_a_post_and_ends_the_session(world, browser):
    browser.login("a-volunteer")
    assert browser.client.get("/logout").status_code == 405
    assert browser.post("/logout", {}).status_code == 303
    assert browser.client.get("/").status_code == 302


def test_remember_me_keeps_a_phone_logged_in(world, browser):
    assert re.search(r'<input[^>]* checked [^>]*name="remember"', browser.client.get("/login").text)
    response = browser.login("a-volunteer")
    assert any(cookie.startswith("remember_token=") for cookie in response.headers.getlist("Set-Cookie"))


def test_login_never_redirects_to_another_site(world, client):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "a-volunteer",
            "password": "secret-password",
            "csrf_token": csrf_from(page.text),
            "next": "//evil.example/",
        },
    )
    assert response.headers["Location"] == "/"


@pytest.fixture
def limited_app(database_uri):
    from fieldapp import create_app

    app = create_app({**app_config(database_uri), "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_login_attempts_are_rate_limited(limited_app):
    client = limited_app.test_client()
    token = csrf_from(client.get("/login").text)
    codes = [
        client.post("/login", data={"username": "x", "password": "y", "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert codes == [422, 422, 422, 429]
    assert "尝试次数过多" in client.post("/login", data={"csrf_token": token}).text
