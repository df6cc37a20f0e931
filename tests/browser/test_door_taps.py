"""Taps counted at the door (issue 14): nothing is counted unless entered, and one install stays three taps."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, phone_context
from tests.browser.test_door_to_station import stored_visit

pytestmark = pytest.mark.browser


def tap_and_save(page, taps) -> int:
    for target in taps:
        target.tap()
    expect(page.locator("#visit-panel.done")).to_be_visible()  # swapped in by htmx
    return len(taps)


def test_talked_and_save_stores_no_install_and_no_person(live_server, chromium, screens):
    door = live_server.uncovered_households("城关派出所", 30)[20]
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, live_server.base)
    page.goto(f"{live_server.base}/h/{door['token']}")
    expect(page.locator("#people_reached")).to_have_value("0")
    expect(page.locator("#app_installs")).to_have_value("0")
    page.screenshot(path=screens / "household-defaults-zh.png")
    taps = [page.locator("label.choice-talked"), page.locator("#visit-panel button[type=submit]")]
    assert tap_and_save(page, taps) == 2
    visit = stored_visit(live_server, door["site_id"])
    assert (visit.outcome, visit.people_reached, visit.app_installs) == ("talked", 0, 0)
    context.close()


def test_talked_plus_one_install_and_save_is_three_taps(live_server, chromium):
    door = live_server.uncovered_households("城关派出所", 30)[21]
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, live_server.base)
    page.goto(f"{live_server.base}/h/{door['token']}")
    plus_install = page.locator('button.step[data-for="app_installs"][data-step="1"]')
    taps = [page.locator("label.choice-talked"), plus_install, page.locator("#visit-panel button[type=submit]")]
    for target in taps[:2]:
        target.tap()
    expect(page.locator("#people_reached")).to_have_value("1")  # raised along with the install
    taps[2].tap()
    expect(page.locator("#visit-panel.done")).to_be_visible()
    assert len(taps) == 3
    visit = stored_visit(live_server, door["site_id"])
    assert (visit.outcome, visit.people_reached, visit.app_installs) == ("talked", 1, 1)
    context.close()
