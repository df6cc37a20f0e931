"""Nothing lost without signal: a real Chromium at a phone's size, offline for real (service worker included)."""

import json
import random
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import User, Visit
from tests.browser.conftest import log_in, phone_context
from tests.test_scan import full_width

pytestmark = pytest.mark.browser


def visits_by(live_server, username: str) -> int:
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return db.session.scalar(select(func.count(Visit.id)).where(Visit.user_id == user.id))


def stored_uuids(live_server, uuids: list[str]) -> list[str]:
    with live_server.app.app_context():
        return list(db.session.scalars(select(Visit.client_uuid).where(Visit.client_uuid.in_(uuids))))


def saved_walk_list(page, base: str) -> dict:
    page.goto(f"{base}/today")
    page.wait_for_selector("html[data-walk-list=saved]", timeout=30_000)
    return page.evaluate("() => caches.match('/api/v1/walk-list').then(r => r.json())")


def phone_with_walk_list(chromium, base: str):
    """A phone the volunteer logged in on, with signal long enough to save the walk list."""
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base)
    return context, page, saved_walk_list(page, base)


def doors_from(walk: dict, count: int) -> list[dict]:
    doors = [
        {**site, "building": building["name"]}
        for building in walk["buildings"]
        for site in building["sites"]
        if site["tag"] and site["kind"] == "household" and site["status"] in ("occupied", "new")
    ]
    assert len(doors) >= count, "the demo walk list has enough doors"
    return doors[:count]


def waiting(page) -> int:
    return int(page.locator("#outbox-status").get_attribute("data-count") or 0)


def outbox_uuids(page) -> list[str]:
    return page.evaluate("() => fieldappOutbox.all().then(items => items.map(i => i.client_uuid))")


def test_twenty_visits_offline_survive_a_reload_and_land_once(live_server, chromium, screens):
    base = live_server.base
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base)
    doors = doors_from(saved_walk_list(page, base), 20)
    before = visits_by(live_server, "volunteer")

    context.set_offline(True)
    page.goto(f"{base}/today")  # the walk list, from the phone
    assert doors[0]["building"] in page.locator("main").inner_text()
    page.goto(f"{base}/scan")  # the scanner was kept too
    assert page.locator("form[action$='/code']").count() == 1
    page.goto(f"{base}/code?c={doors[1]['short_code'].lower()}")  # a code typed by hand finds its door
    page.wait_for_url(re.compile(f"/h/{re.escape(doors[1]['tag'])}$"))
    page.wait_for_selector("[data-view=visit]:not([hidden])")
    for n, door in enumerate(doors, start=1):
        page.goto(f"{base}/h/{door['tag']}")  # what scanning the tag opens
        page.wait_for_selector("[data-view=visit]:not([hidden])")
        assert page.locator("[data-door]").inner_text() == door["door"]
        if n == 1:
            page.screenshot(path=screens / "offline-door-zh.png")
        page.locator("label.choice-talked").tap()
        page.locator("#visit-panel button[type=submit]").tap()
        page.wait_for_selector(".saved-offline")
        assert "已保存在手机上" in page.locator("#visit-panel").inner_text()
        expect(page.locator("#outbox-status")).to_have_attribute("data-count", str(n))
    page.screenshot(path=screens / "offline-saved-zh.png")

    page.goto(f"{base}/outbox")
    page.reload()  # still offline: the outbox is on the phone, not in the page
    page.wait_for_selector(".outbox-item")
    assert page.locator(".outbox-item.waiting").count() == 20
    assert waiting(page) == 20
    assert "20" in page.locator("#outbox-status").inner_text()
    page.screenshot(path=screens / "outbox-offline-zh.png", full_page=True)
    uuids = outbox_uuids(page)
    assert visits_by(live_server, "volunteer") == before, "nothing can have reached the server while offline"

    with page.expect_download() as saving:  # the last resort: a file for the supervisor
        page.locator("[data-save-file]").click()
    saved = json.loads(Path(saving.value.path()).read_text())
    assert saved["format"] == "fieldapp-outbox" and saved["user"] == "volunteer"
    assert sorted(visit["client_uuid"] for visit in saved["visits"]) == sorted(uuids)

    page.goto(f"{base}/today")  # kept from before: it has the log-out button
    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.dismiss()))
    page.locator("form[data-logout] button").click()
    assert warnings and "20" in warnings[0] and "未发送" in warnings[0]
    assert page.url.endswith("/today")  # still here, still logged in

    context.set_offline(False)  # the 'online' event sends the outbox
    expect(page.locator("#outbox-status")).to_have_attribute("data-count", "0", timeout=30_000)
    assert page.locator("#outbox-status").is_hidden()
    assert visits_by(live_server, "volunteer") == before + 20
    assert sorted(stored_uuids(live_server, uuids)) == sorted(uuids)
    assert outbox_uuids(page) == []
    page.screenshot(path=screens / "outbox-sent-zh.png")
    context.close()


def test_a_code_typed_in_full_width_offline_opens_its_door(live_server, chromium, screens):
    """An input method left in 全角 mode types ＡＢＣＤ－２３４５: the phone finds the door as the server does."""
    base = live_server.base
    context, page, walk = phone_with_walk_list(chromium, base)  # saving it keeps the scanner page too
    door = doors_from(walk, 3)[2]
    typed = full_width(f"{door['short_code'][:4]}-{door['short_code'][4:]}".lower())
    assert not typed.isascii()

    context.set_offline(True)
    page.goto(f"{base}/scan")
    page.fill("#c", typed)
    page.press("#c", "Enter")
    page.wait_for_url(re.compile(f"/h/{re.escape(door['tag'])}$"))
    page.wait_for_selector("[data-view=visit]:not([hidden])")
    assert page.locator("[data-door]").inner_text() == door["door"]
    assert page.locator("[data-unknown]").is_hidden()
    page.screenshot(path=screens / "offline-door-by-full-width-code-zh.png")
    context.close()


def test_a_new_version_fetches_the_kept_pages_again(live_server, chromium, monkeypatch):
    """Pages kept as last seen name the scripts of their day; after an update they are fetched anew."""
    base = live_server.base
    context, page, _walk = phone_with_walk_list(chromium, base)
    page.evaluate(
        """url => caches.open(fieldapp.cache.pages).then(cache => cache.put(url, new Response(
             '<!doctype html><main>made for older scripts</main>', {headers: {'Content-Type': 'text/html'}})))""",
        f"{base}/scan",
    )
    monkeypatch.setattr("fieldapp.offline.routes.shell_version", lambda: "next-version")
    page.evaluate("() => navigator.serviceWorker.getRegistration().then(registration => registration.update())")
    kept_scanner = """() => caches.keys().then(names => names.filter(name => name.indexOf(fieldapp.cache.shell) === 0))
        .then(shells => shells.join() === fieldapp.cache.shell + 'next-version' && caches.match('/scan'))
        .then(hit => hit ? hit.text() : '').then(text => text.indexOf('id="c"') >= 0)"""
    for _attempt in range(100):  # the new version installs, then fetches the kept pages again
        if page.evaluate(kept_scanner):
            break
        page.wait_for_timeout(200)
    assert page.evaluate(kept_scanner)
    context.set_offline(True)
    page.goto(f"{base}/scan")
    assert page.locator("form[action$='/code'] #c").count() == 1
    context.close()


def test_the_outbox_lands_every_visit_once_when_30_percent_of_answers_are_lost(live_server, chromium):
    """The server stores each batch but the phone never hears back 3 times in 10: it sends again until it does."""
    base = live_server.base
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base, "lead")
    doors = doors_from(saved_walk_list(page, base), 12)
    rng = random.Random(7)
    answers = {"lost": 0, "delivered": 0}

    def flaky(route):
        response = route.fetch()  # the server has the batch now
        if rng.random() < 0.3:
            answers["lost"] += 1
            route.abort("connectionreset")
        else:
            answers["delivered"] += 1
            route.fulfill(response=response)

    context.route(re.compile(r".*/api/v1/visits/batch$"), flaky)
    before = visits_by(live_server, "lead")
    page.goto(f"{base}/outbox")
    page.wait_for_selector("[data-view=outbox]:not([hidden])")
    # Visits saved one by one, each sent at once: answers get lost along the way.
    uuids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _door in doors]
    for door, client_uuid in zip(doors, uuids, strict=True):
        page.evaluate(
            """door => fieldappOutbox.add({client_uuid: door.uuid, tag: door.tag, outcome: 'talked',
                 people_reached: 1, app_installs: 1, realname_regs: 0, miniprogram_regs: 0, notice_signed: false,
                 receipt_collected: false, note: '', lat: null, lon: null, accuracy_m: null,
                 device_time: new Date().toISOString()}, door.door).then(() => fieldappOutbox.sync())""",
            {**door, "uuid": client_uuid},
        )
    for _attempt in range(40):  # what the timer and the 'online' event do, without waiting for them
        if waiting(page) == 0:
            break
        page.evaluate("() => fieldappOutbox.sync()")
    assert waiting(page) == 0
    assert answers["lost"] > 0, "the test must actually lose answers"
    assert visits_by(live_server, "lead") == before + 12
    assert len(stored_uuids(live_server, uuids)) == 12
    context.close()


def test_a_door_page_that_loses_signal_while_open_keeps_the_visit(live_server, chromium):
    """The page came with signal; the signal is gone when the volunteer taps save."""
    base = live_server.base
    door = live_server.uncovered_households("城关派出所", 3)[-1]
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base)
    page.goto(f"{base}/h/{door['token']}")
    page.wait_for_selector("html[data-sw=ready]")
    before = visits_by(live_server, "volunteer")
    context.set_offline(True)
    page.locator("label.choice-talked").tap()
    page.locator("#visit-panel button[type=submit]").tap()
    page.wait_for_selector(".saved-offline")
    assert waiting(page) == 1 and visits_by(live_server, "volunteer") == before
    context.set_offline(False)
    expect(page.locator("#outbox-status")).to_have_attribute("data-count", "0")
    assert visits_by(live_server, "volunteer") == before + 1
    context.close()


@pytest.mark.parametrize("signed_out", ["session expired", "logged out in another tab"])
def test_a_visit_saved_after_signing_out_is_kept_and_sent_after_logging_in(live_server, chromium, signed_out):
    """The save is refused (CSRF) or answered with the login page: the visit goes to the outbox, not lost."""
    base = live_server.base
    door = live_server.uncovered_households("城关派出所", 6)[-1 if signed_out == "session expired" else -2]
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base)
    page.goto(f"{base}/h/{door['token']}")
    before = visits_by(live_server, "volunteer")
    if signed_out == "session expired":
        context.clear_cookies()
    else:
        other_tab = context.new_page()
        other_tab.goto(f"{base}/today")
        other_tab.locator("form[data-logout] button").click()
        other_tab.wait_for_url(re.compile("/login"))
    page.locator("label.choice-talked").tap()
    page.locator("#visit-panel button[type=submit]").tap()
    page.wait_for_selector(".saved-offline")
    assert page.locator("#visit-panel #password").count() == 0
    assert waiting(page) == 1 and visits_by(live_server, "volunteer") == before
    log_in(page, base)  # the next page load sends it
    expect(page.locator("#outbox-status")).to_have_attribute("data-count", "0")
    assert visits_by(live_server, "volunteer") == before + 1
    context.close()
