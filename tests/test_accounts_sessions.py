"""Sessions that can be revoked: logging out and changing a password end every cookie made before."""

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import User
from tests.conftest import csrf_from


def cookie(client, name: str) -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def test_a_session_cookie_replayed_after_logout_opens_nothing(world, browser):
    browser.login("a-volunteer")
    client = browser.client
    saved = cookie(client, "session")
    assert client.get("/today").status_code == 200
    assert browser.post("/logout", {}).status_code == 303
    client.delete_cookie("remember_token")
    client.set_cookie("session", saved)  # someone kept a copy of the cookie from before logging out
    replayed = client.get("/today")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/login")


def test_a_remember_cookie_made_before_logout_opens_nothing(world, app, browser):
    browser.login("a-volunteer")
    remembered = cookie(browser.client, "remember_token")
    assert remembered
    browser.post("/logout", {})
    stranger = app.test_client()
    stranger.set_cookie("remember_token", remembered)
    assert stranger.get("/today").status_code == 302


def test_the_remember_cookie_differs_per_login_generation(world, browser):
    browser.login("a-volunteer")
    first = cookie(browser.client, "remember_token")
    browser.post("/logout", {})
    browser.login("a-volunteer")
    assert cookie(browser.client, "remember_token") not in (None, first)


def test_cookies_of_the_old_form_without_a_version_are_refused(world, app):
    user = db.session.scalar(select(User).where(User.username == "a-volunteer"))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what a session held before sessions carried a version
        session["_fresh"] = True
    assert client.get("/today").status_code == 302


def test_the_csrf_token_changes_at_login(world, browser):
    client = browser.client
    before = csrf_from(client.get("/login").text)
    with client.session_transaction() as session:
        raw_before = session["csrf_token"]
    browser.login("a-volunteer")
    with client.session_transaction() as session:
        assert session.get("csrf_token") != raw_before
    # A token a page handed out before login (e.g. planted by someone else) no longer submits a form.
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert browser.post("/logout", {}).status_code == 303


def test_pages_opened_side_by_side_after_login_share_one_csrf_token(world, browser):
    """After login the first page and the service worker's precache load side by side. Had each request made its own
    CSRF token, the session cookie answered last would refuse the other page's form (seen: a first password change
    with a one-time code answered 400)."""
    browser.login("a-volunteer")
    client = browser.client
    logged_in = cookie(client, "session")
    form_token = csrf_from(client.get("/account/password").text)  # the page the volunteer fills in
    client.set_cookie("session", logged_in)
    assert client.get("/account/password").status_code == 200  # the precache's request, sent alongside, answered last
    assert client.post("/logout", data={"csrf_token": form_token}).status_code == 303
