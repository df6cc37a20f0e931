"""督察回访 in a real Chromium on a phone (390×844): the station's supervisor draws this week's round from the
station page, finds the households on Today, taps to call one (the full number appears, the reading recorded),
records "not visited", and the station page shows the failure against that volunteer."""

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Area, AuditEvent, User, Visit
from fieldapp.models.trust import SpotCheck
from fieldapp.visits.clock import local_today
from tests.browser.conftest import log_in, phone_context

pytestmark = pytest.mark.browser

#: Every tappable thing on these phone pages is at least this tall (as the other phone pages).
MIN_TARGET_PX = 44


def small_targets(page) -> list[str]:
    return page.evaluate(
        """(min) => [...document.querySelectorAll('main a, main button, main label.choice, main label.toggle')]
             .filter(e => e.offsetParent && e.getBoundingClientRect().height < min)
             .map(e => e.textContent.trim().slice(0, 20))""",
        MIN_TARGET_PX,
    )


def station_id(app, name: str = "城关派出所") -> int:
    with app.app_context():
        return db.session.scalar(select(Area.id).where(Area.name == name))


def test_a_round_is_drawn_answered_from_the_phone_and_the_failure_shows_on_the_station_page(
    live_server, chromium, screens
):
    base, station = live_server.base, station_id(live_server.app)
    with live_server.app.app_context():
        today = local_today().isoformat()
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, base, "supervisor")

    # The supervisor draws this week's round from the station page: two households per volunteer, checked by him.
    page.goto(f"{base}/areas/{station}")
    section = page.locator("#spot-checks")
    assert "尚未抽取" in section.inner_text()
    page.fill("#week", today)
    page.fill("#per_volunteer", "2")
    page.check("input[name=assign][value=me]")
    page.click("#spot-check-draw button[type=submit]")
    page.wait_for_load_state()
    assert "/spot-checks/rounds/" in page.url
    assert "已抽取督察回访" in page.locator(".flash-success").inner_text()
    page.screenshot(path=screens / "spot-check-round-zh.png", full_page=True)
    with live_server.app.app_context():
        checks = db.session.scalars(select(SpotCheck).order_by(SpotCheck.id)).all()
        volunteers = {check.volunteer_id for check in checks}
        drawer = db.session.scalar(select(User).where(User.username == "supervisor"))
        # Every check goes to the supervisor who drew, except one of their own visits (other tests of this
        # server may have left some): never checked by the person who made it.
        assert checks and all(check.assigned_to_id != check.volunteer_id for check in checks)
        assert all(check.assigned_to_id == drawer.id for check in checks if check.volunteer_id != drawer.id)
        to_drawer = sum(check.assigned_to_id == drawer.id for check in checks)
        with_phone = next(c for c in checks if c.site.contact_phone and c.assigned_to_id == drawer.id)
        check_id, phone, volunteer_id = with_phone.id, with_phone.site.contact_phone, with_phone.volunteer_id
        volunteer_name = with_phone.volunteer.display_name
    assert page.locator("#spot-check-list tbody tr").count() == len(checks)

    # A second draw of the same week is refused, visibly, and draws nothing more.
    page.goto(f"{base}/areas/{station}")
    page.click("#spot-checks summary")
    page.fill("#week", today)
    page.click("#spot-check-draw button[type=submit]")
    page.wait_for_load_state()
    assert "不能重复抽取" in page.locator(".flash-error").inner_text()
    with live_server.app.app_context():
        assert db.session.scalar(select(db.func.count(SpotCheck.id))) == len(checks)

    # On the phone: Today lists the households to check, masked; one opens with its full address.
    page.goto(f"{base}/today")
    mine = page.locator("#my-spot-checks")
    assert mine.locator("li").count() == to_drawer
    assert phone not in mine.inner_text() and f"{phone[:3]}****{phone[-4:]}" in mine.inner_text()
    page.screenshot(path=screens / "spot-check-today-zh.png", full_page=True)
    page.click(f"#my-spot-checks a[href$='/spot-checks/{check_id}']")
    page.wait_for_load_state()
    assert phone not in page.content()
    assert small_targets(page) == []
    page.screenshot(path=screens / "spot-check-answer-zh.png", full_page=True)

    # Tap to call: the full number appears as a dial link, and the reading is on the audit trail.
    page.click("#spot-check-call button")
    page.wait_for_load_state()
    assert page.locator("#spot-check-dial").get_attribute("href") == f"tel:{phone}"
    with live_server.app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site.phone_read")) is not None

    # The household says nobody came: recorded once, back on Today with one check fewer.
    page.click("label.toggle:has(input[value=phone])")
    page.click("label.choice:has(input[value=not_visited])")
    page.fill("#note", "住户称没有人来过")
    page.click("#spot-check-answer button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/today")
    assert "回访结果已记录" in page.locator(".flash-success").inner_text()
    assert page.locator("#my-spot-checks li").count() == to_drawer - 1
    with live_server.app.app_context():
        check = db.session.get(SpotCheck, check_id)
        assert check.result == "not_visited" and check.method == "phone"
        assert db.session.get(Visit, check.visit_id).trust_score < 100

    # The station page: one answered, failed; the volunteer's row shows it and their lower trust score.
    page.goto(f"{base}/areas/{station}")
    section = page.locator("#spot-checks")
    assert section.locator("#spot-checks-answered").inner_text().endswith("1")
    assert section.locator("#spot-checks-failure").inner_text() == "100.0%"
    failed_row = section.locator("tr.is-failed")
    assert failed_row.count() == 1 and volunteer_name in failed_row.inner_text()
    assert len(volunteers) == section.locator("#spot-checks-volunteers tbody tr").count()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    section.screenshot(path=screens / "spot-check-station-zh.png")
    context.close()

    # The same pages in English.
    context = phone_context(chromium, locale="en-US")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.click("text=English")
    log_in(page, base, "supervisor")
    page.goto(f"{base}/areas/{station}")
    assert "Spot checks" in page.locator("#spot-checks").inner_text()
    page.locator("#spot-checks").screenshot(path=screens / "spot-check-station-en.png")
    page.goto(f"{base}/today")
    page.screenshot(path=screens / "spot-check-today-en.png", full_page=True)
    page.click("#my-spot-checks li a >> nth=0")
    page.wait_for_load_state()
    assert "What did the household say?" in page.content()
    page.screenshot(path=screens / "spot-check-answer-en.png", full_page=True)
    page.goto(f"{base}/areas/{station}")
    page.click("#spot-checks a[href*='/spot-checks/rounds/']")
    page.wait_for_load_state()
    page.screenshot(path=screens / "spot-check-round-en.png", full_page=True)
    assert volunteer_id in volunteers
    context.close()
