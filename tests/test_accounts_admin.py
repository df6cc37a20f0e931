"""An account's life after creation (issue 14, item 7): edited, deactivated and reactivated, its password reset
to a one-time code that must be changed at the next login; admins for their area, supervisors for the
volunteers and leads of theirs."""

import re

import pytest
from sqlalchemy import select

from fieldapp import permissions
from fieldapp.admin.services import SelfDeactivation, create_user, deactivate_user
from fieldapp.api.tokens import issue_token
from fieldapp.extensions import db
from fieldapp.models import ApiToken, AuditEvent, User
from tests.conftest import Browser, csrf_from
from tests.factories import PASSWORD

NEW = "my-own-long-password"


def account(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def logged_in(app, username: str, password: str = PASSWORD) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username, password)
    return browser


def press(browser: Browser, page_url: str, action_url: str):
    """Press a button on a page: POST its form with the page's CSRF token."""
    page = browser.client.get(page_url)
    assert page.status_code == 200, page.status_code
    return browser.client.post(action_url, data={"csrf_token": csrf_from(page.text)})


def edit(browser: Browser, user: User, **changes):
    page = browser.client.get(f"/admin/users/{user.id}/edit")
    data = {
        "display_name": user.display_name,
        "role": user.role,
        "area_id": user.area_id,
        "team_id": user.team_id or 0,
        "phone": user.phone or "",
        **changes,
        "csrf_token": csrf_from(page.text),
    }
    return browser.client.post(f"/admin/users/{user.id}/edit", data=data)


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# --- deactivation -------------------------------------------------------------------------------------------


def test_deactivating_an_account_ends_its_sessions_and_api_keys_at_once(world, app, browser):
    """Named acceptance test of issue 14: the phone's session, its remember-me cookie and every API key stop."""
    volunteer = world.a.volunteer
    phone = logged_in(app, "a-volunteer")
    remembered = phone.client.get_cookie("remember_token").value
    _token, plain = issue_token(volunteer, "tablet", world.admin)
    db.session.commit()
    bearer = {"Authorization": f"Bearer {plain}"}
    assert phone.client.get("/today").status_code == 200
    assert app.test_client().get("/api/v1/walk-list", headers=bearer).status_code == 200

    browser.login("district-admin")
    edit_page = f"/admin/users/{volunteer.id}/edit"
    response = press(browser, edit_page, f"/admin/users/{volunteer.id}/deactivate")
    assert response.status_code == 303

    next_request = phone.client.get("/today")
    assert next_request.status_code == 302 and next_request.headers["Location"].startswith("/login")
    stolen = app.test_client()
    stolen.set_cookie("remember_token", remembered)
    assert stolen.get("/today").status_code == 302
    refused = app.test_client().get("/api/v1/walk-list", headers=bearer)
    assert refused.status_code == 401 and refused.get_json()["error"] == "unauthorized"
    assert all(key.revoked_at is not None for key in db.session.scalars(select(ApiToken)))
    assert logged_in(app, "a-volunteer").client.get("/today").status_code == 302  # nor can it log in again
    (event,) = events("user.deactivate")
    assert event.object_id == volunteer.id and event.user_id == world.admin.id
    assert 'class="badge off"' in browser.client.get("/admin/users").text


def test_an_account_switched_off_without_the_page_opens_nothing_either(world, app):
    phone = logged_in(app, "a-volunteer")
    assert phone.client.get("/today").status_code == 200
    account("a-volunteer").is_active_account = False  # e.g. by hand in the database: no session version raised
    db.session.commit()
    assert phone.client.get("/today").status_code == 302


def test_a_reactivated_account_logs_in_with_its_password_but_its_old_sessions_stay_ended(world, app, browser):
    volunteer = world.a.volunteer
    phone = logged_in(app, "a-volunteer")
    browser.login("district-admin")
    edit_page = f"/admin/users/{volunteer.id}/edit"
    press(browser, edit_page, f"/admin/users/{volunteer.id}/deactivate")
    assert press(browser, edit_page, f"/admin/users/{volunteer.id}/reactivate").status_code == 303
    assert account("a-volunteer").is_active
    assert phone.client.get("/today").status_code == 302
    assert logged_in(app, "a-volunteer").client.get("/today").status_code == 200
    assert len(events("user.reactivate")) == 1


def test_an_admin_cannot_deactivate_themselves(world, browser):
    browser.login("district-admin")
    me = world.admin
    assert browser.client.get(f"/admin/users/{me.id}/edit").status_code == 403
    assert browser.post(f"/admin/users/{me.id}/deactivate", {}).status_code == 403
    assert account("district-admin").is_active
    with pytest.raises(SelfDeactivation):
        deactivate_user(me, me)


# --- editing ------------------------------------------------------------------------------------------------


def test_an_admin_binds_a_lead_to_the_building_they_lead_and_the_audit_keeps_the_phone_masked(world, browser):
    lead = world.a.lead
    browser.login("district-admin")
    page = browser.client.get(f"/admin/users/{lead.id}/edit")
    assert f'<option value="{world.a.building.id}"' in page.text  # buildings are offered now
    response = edit(browser, lead, display_name="王楼长", area_id=world.a.building.id, phone="138 1234 5678")
    assert response.status_code == 303
    lead = account("a-lead")
    assert (lead.display_name, lead.area_id, lead.phone) == ("王楼长", world.a.building.id, "13812345678")
    listing = browser.client.get("/admin/users").text
    assert "138****5678" in listing and "13812345678" not in listing
    (event,) = events("user.update")
    assert event.before["area_id"] == world.a.community.id and event.after["area_id"] == world.a.building.id
    assert event.after["phone"] == "138****5678" and "13812345678" not in str(event.before) + str(event.after)
    assert "role" not in event.after  # only what changed


def test_the_new_account_page_offers_buildings_too(world, browser):
    browser.login("district-admin")
    assert f'<option value="{world.a.building.id}"' in browser.client.get("/admin/users/new").text


def test_a_phone_that_is_not_a_number_is_refused_on_the_form(world, browser):
    browser.login("district-admin")
    response = edit(browser, world.a.volunteer, phone="call me")
    assert response.status_code == 422 and account("a-volunteer").phone is None


def test_the_list_shows_role_area_team_phone_and_status_with_links_to_edit(world, browser):
    volunteer = world.a.volunteer
    volunteer.phone = "13900001111"
    db.session.commit()
    browser.login("district-admin")
    listing = browser.client.get("/admin/users").text
    assert f'href="/admin/users/{volunteer.id}/edit"' in listing
    assert "139****1111" in listing and world.a.team.name in listing and world.a.area.name in listing
    assert f'href="/admin/users/{world.admin.id}/edit"' not in listing  # not one's own


# --- one-time codes -----------------------------------------------------------------------------------------


def test_a_reset_code_must_be_changed_before_anything_else(world, app, browser):
    """Admin resets, the user logs in with the code, lands on the password page, cannot open /today until they
    choose their own password, then can."""
    volunteer = world.a.volunteer
    phone = logged_in(app, "a-volunteer")
    browser.login("district-admin")
    shown = press(browser, f"/admin/users/{volunteer.id}/edit", f"/admin/users/{volunteer.id}/reset-password")
    assert shown.status_code == 200
    code = re.search(r'class="secret one-time-code">([a-z0-9]+)<', shown.text).group(1)
    assert phone.client.get("/today").status_code == 302  # the reset logged the phone out
    (event,) = events("user.one_time_password")
    assert event.after["by"] == "district-admin" and code not in str(event.after)

    user = Browser(app.test_client())
    assert user.login("a-volunteer", PASSWORD).status_code == 422  # the old password is gone
    landed = user.login("a-volunteer", code)
    assert landed.status_code == 303 and landed.headers["Location"] == "/account/password"
    held = user.client.get("/today")
    assert held.status_code == 303 and held.headers["Location"] == "/account/password"
    fragment = user.client.get("/today", headers={"HX-Request": "true"})
    assert fragment.headers.get("HX-Redirect") == "/account/password"
    api = user.client.get("/api/v1/walk-list")
    assert api.status_code == 403 and api.get_json()["error"] == "password_change_required"
    page = user.client.get("/account/password")
    assert page.status_code == 200 and 'class="flash flash-info"' in page.text  # says why they are here

    data = {"current_password": code, "new_password": NEW, "new_password_again": NEW}
    changed = user.client.post("/account/password", data={**data, "csrf_token": csrf_from(page.text)})
    assert changed.status_code == 303
    assert not account("a-volunteer").password_is_temporary
    assert user.client.get("/today").status_code == 200
    assert user.client.get("/api/v1/walk-list").status_code == 200


def test_an_admin_cannot_reset_another_admins_password_but_may_edit_them(world, browser):
    other = create_user("second-admin", PASSWORD, "另一位管理员", "admin", world.district)
    db.session.commit()
    browser.login("district-admin")
    page = browser.client.get(f"/admin/users/{other.id}/edit")
    assert page.status_code == 200 and f"/admin/users/{other.id}/reset-password" not in page.text
    assert browser.post(f"/admin/users/{other.id}/reset-password", {}).status_code == 403
    assert not account("second-admin").password_is_temporary


# --- supervisors --------------------------------------------------------------------------------------------


def test_a_supervisor_looks_after_the_volunteers_and_leads_of_their_station_only(world, browser):
    a, b = world.a, world.b
    peer = create_user("a-supervisor-2", PASSWORD, "副所长", "supervisor", a.area)
    db.session.commit()
    browser.login("a-supervisor")
    listing = browser.client.get("/admin/users")
    assert listing.status_code == 200
    assert f"/admin/users/{a.volunteer.id}/edit" in listing.text and f"/admin/users/{peer.id}/edit" not in listing.text
    assert "b-volunteer" not in listing.text and 'href="/admin/users/new"' not in listing.text
    assert browser.client.get("/admin/users/new").status_code == 403
    assert browser.client.get(f"/admin/users/{peer.id}/edit").status_code == 403
    assert browser.client.get(f"/admin/users/{b.volunteer.id}/edit").status_code == 404
    assert edit(browser, a.volunteer, role="admin").status_code == 422  # not a role they may give
    assert edit(browser, a.volunteer, role="lead", area_id=a.building.id).status_code == 303
    assert edit(browser, a.lead, area_id=b.building.id).status_code == 422  # not an area of theirs
    assert account("a-volunteer").role == "lead"
    shown = press(browser, f"/admin/users/{a.lead.id}/edit", f"/admin/users/{a.lead.id}/reset-password")
    assert shown.status_code == 200 and account("a-lead").password_is_temporary


@pytest.mark.parametrize("username", ["a-volunteer", "a-lead"])
def test_volunteers_and_leads_have_no_account_pages(world, browser, username):
    browser.login(username)
    assert browser.client.get("/admin/users").status_code == 403
    assert browser.client.get(f"/admin/users/{world.a.volunteer.id}/edit").status_code == 403


def test_the_rule_for_looking_after_an_account_reads_as_a_table(world):
    a = world.a
    admin, supervisor, volunteer, lead = world.admin, a.supervisor, a.volunteer, a.lead
    peer = User(id=10_000, role="supervisor", area=a.area)
    other_admin = User(id=10_001, role="admin", area=world.district)
    assert permissions.may_manage_account(admin, volunteer) and permissions.may_manage_account(admin, other_admin)
    assert permissions.may_reset_password_of(admin, supervisor)
    assert not permissions.may_reset_password_of(admin, other_admin)
    assert not permissions.may_manage_account(admin, admin)
    assert permissions.may_manage_account(supervisor, volunteer) and permissions.may_manage_account(supervisor, lead)
    assert not permissions.may_manage_account(supervisor, peer)
    assert not permissions.may_manage_account(supervisor, world.b.volunteer)
    assert not permissions.may_manage_account(volunteer, lead) and not permissions.may_manage_account(lead, volunteer)
    assert permissions.roles_assignable_by(admin) == ("volunteer", "lead", "supervisor", "admin")
    assert permissions.roles_assignable_by(supervisor) == ("volunteer", "lead")
    assert permissions.roles_assignable_by(volunteer) == ()
