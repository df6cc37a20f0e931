"""A phone whose session expired forgets the pages and walk list it kept, but never the visits it has not sent."""

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, phone_context
from tests.browser.test_offline import doors_from, outbox_uuids, saved_walk_list, visits_by, waiting

pytestmark = pytest.mark.browser

KEPT = "() => caches.keys().then(names => names.filter(n => n === 'fieldapp-pages' || n === 'fieldapp-data'))"
WALK_LIST = "() => caches.match('/api/v1/walk-list').then(r => !!r)"


def kept_on_phone(page) -> tuple[list[str], bool]:
    return sorted(page.evaluate(KEPT)), page.evaluate(WALK_LIST)


def test_a_401_clears_kept_pages_and_walk_list_but_keeps_unsent_visits(live_server, chromium):
    base = live_server.base
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base)
    door = doors_from(saved_walk_list(page, base), 1)[0]
    assert kept_on_phone(page) == (["fieldapp-data", "fieldapp-pages"], True)
    before = visits_by(live_server, "volunteer")
    visit = {
        "client_uuid": str(uuid.uuid4()),
        "tag": door["tag"],
        "outcome": "talked",
        "people_reached": 1,
        "app_installs": 1,
        "realname_regs": 0,
        "miniprogram_regs": 0,
        "notice_signed": False,
        "receipt_collected": False,
        "note": "",
        "lat": None,
        "lon": None,
        "accuracy_m": None,
        "device_time": None,
    }
    page.evaluate(
        "([visit, door]) => fieldappOutbox.add({...visit, device_time: new Date().toISOString()}, door)",
        [visit, door["door"]],
    )
    assert waiting(page) == 1

    context.clear_cookies()  # the session expired on the server's side
    page.evaluate("() => fieldappOutbox.sync()")  # the API answers 401
    page.wait_for_selector("html[data-kept=forgotten]", state="attached")
    assert kept_on_phone(page) == ([], False)
    assert outbox_uuids(page) == [visit["client_uuid"]]  # the unsent visit stays
    assert page.evaluate("() => localStorage.getItem('fieldapp.walkListAt')") is None

    context.set_offline(True)
    page.goto(f"{base}/today")  # without signal, the walk list is no longer on the phone
    assert door["building"] not in page.locator("main").inner_text()
    context.set_offline(False)

    log_in(page, base)  # logging in again sends the visit kept in the outbox
    expect(page.locator("#outbox-status")).to_have_attribute("data-count", "0")
    assert visits_by(live_server, "volunteer") == before + 1
    context.close()


def test_a_session_that_expired_with_nothing_to_send_clears_what_was_kept(live_server, chromium):
    """No outbox to send: the login page the phone lands on asks the API, and its 401 clears the kept pages."""
    base = live_server.base
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base)
    saved_walk_list(page, base)
    assert kept_on_phone(page)[1]

    context.clear_cookies()
    page.goto(f"{base}/today")  # redirected to the login page
    assert "/login" in page.url
    page.wait_for_selector("html[data-kept=forgotten]", state="attached")
    assert kept_on_phone(page) == ([], False)
    context.close()
