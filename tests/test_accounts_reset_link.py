"""A one-time password-reset link (issue 14, item 7): an admin or supervisor hands one out (with a QR), its
holder sets a new password with it once, within RESET_LINK_HOURS; a changed password or a deactivated account
kills it; the URL names nobody; using it logs out every other session; it is rate limited like login."""

import re
import time

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from fieldapp.admin.services import deactivate_user
from fieldapp.auth.reset_links import SALT, payload
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, User
from tests.conftest import Browser, csrf_from
from tests.factories import PASSWORD

NEW = "my-new-long-password"
GONE = "此链接已失效"  # "This link no longer works"
LINK = re.compile(r'id="reset-link">([^<]+)<')


def logged_in(app, username: str, password: str = PASSWORD) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username, password)
    return browser


def issue(app, manager: User, account: User):
    browser = logged_in(app, manager.username)
    page = browser.client.get(f"/admin/users/{account.id}/edit")
    return browser.client.post(f"/admin/users/{account.id}/reset-link", data={"csrf_token": csrf_from(page.text)})


def link_for(app, manager: User, account: User) -> str:
    response = issue(app, manager, account)
    assert response.status_code == 200, response.status_code
    assert "<svg" in response.text  # the QR to scan from the admin's screen
    assert response.headers["Cache-Control"] == "no-store"
    return "/" + LINK.search(response.text).group(1).split("/", 3)[3]


def use(client, path: str, new: str = NEW, again: str | None = None):
    page = client.get(path)
    if page.status_code != 200:
        return page
    data = {"new_password": new, "new_password_again": again or new, "csrf_token": csrf_from(page.text)}
    return client.post(path, data=data)


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_link_sets_a_new_password_once_and_logs_its_holder_in(world, app):
    volunteer = world.a.volunteer
    path = link_for(app, world.admin, volunteer)
    assert fresh(volunteer).check_password(PASSWORD)  # nothing changes until the link is used
    phone = app.test_client()
    answer = use(phone, path)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/")
    assert phone.get("/today").status_code == 200
    assert fresh(volunteer).check_password(NEW) and not fresh(volunteer).password_is_temporary
    # Used: it opens nothing a second time, with a clear page, not an error.
    again = app.test_client().get(path)
    assert again.status_code == 410 and GONE in again.text
    assert use(app.test_client(), path, "another-long-password").status_code == 410
    assert fresh(volunteer).check_password(NEW)
    assert "user.reset_link" in actions() and "user.reset_link_used" in actions()


def test_the_link_names_nobody(world, app):
    volunteer = world.a.volunteer
    volunteer.phone = "13800001111"
    db.session.commit()
    path = link_for(app, world.admin, volunteer)
    for secret in (volunteer.username, volunteer.phone, volunteer.display_name):
        assert secret not in path
    token = path.rsplit("/", 1)[1]
    decoded = URLSafeTimedSerializer("x", salt=SALT).loads_unsafe(token)[1]
    assert set(decoded) == {"u", "f"} and decoded["u"] == volunteer.id


def test_an_expired_link_is_refused(world, app):
    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 25 * 3600

    volunteer = world.a.volunteer
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT, signer=LongAgo).dumps(payload(volunteer))
    answer = use(app.test_client(), f"/reset/{token}")
    assert answer.status_code == 410 and GONE in answer.text
    assert fresh(volunteer).check_password(PASSWORD)


def test_changing_the_password_or_deactivating_kills_the_link(world, app):
    volunteer, lead = world.a.volunteer, world.a.lead
    path = link_for(app, world.admin, volunteer)
    fresh(volunteer).set_password("changed-meanwhile-password")
    db.session.commit()
    assert use(app.test_client(), path).status_code == 410
    path = link_for(app, world.admin, lead)
    deactivate_user(fresh(lead), world.admin)
    db.session.commit()
    assert use(app.test_client(), path).status_code == 410
    assert not fresh(lead).check_password(NEW)


def test_a_garbage_or_tampered_link_is_a_clear_refusal(world, app):
    path = link_for(app, world.admin, world.a.volunteer)
    for bad in ("/reset/nonsense", path[:-3] + "abc", "/reset/" + "x" * 600):
        answer = app.test_client().get(bad)
        assert answer.status_code == 410 and GONE in answer.text


def test_the_new_password_follows_the_one_rule(world, app):
    path = link_for(app, world.admin, world.a.volunteer)
    assert use(app.test_client(), path, "short").status_code == 422
    assert use(app.test_client(), path, NEW, "a-different-password").status_code == 422
    assert fresh(world.a.volunteer).check_password(PASSWORD)
    assert use(app.test_client(), path).status_code == 303  # still good after refusals


def test_using_the_link_ends_every_other_session(world, app):
    volunteer = world.a.volunteer
    other_phone = logged_in(app, volunteer.username)
    assert other_phone.client.get("/today").status_code == 200
    path = link_for(app, world.admin, volunteer)
    holder = app.test_client()
    assert use(holder, path).status_code == 303
    answer = other_phone.client.get("/today")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert holder.get("/today").status_code == 200  # the holder's own phone is logged in with the new version


def test_who_may_issue_links(world, app):
    # A volunteer cannot; a supervisor can for the volunteers of their area; nobody for another admin.
    assert issue(app, world.a.volunteer, world.a.lead).status_code == 403
    assert issue(app, world.a.supervisor, world.a.volunteer).status_code == 200
    assert issue(app, world.a.supervisor, world.b.volunteer).status_code == 404
    other_admin = world.admin
    assert issue(app, world.a.supervisor, other_admin).status_code in (403, 404)


def test_the_reset_page_is_rate_limited_like_login(world, database_uri):
    from fieldapp import create_app
    from tests.conftest import app_config

    limited = create_app({**app_config(database_uri), "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"})
    try:
        with limited.app_context():
            client = limited.test_client()
            codes = [client.get("/reset/guess-" + str(i)).status_code for i in range(4)]
            assert codes == [410, 410, 410, 429]
    finally:
        with limited.app_context():
            db.engine.dispose()
