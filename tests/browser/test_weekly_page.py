"""The weekly report in a real Chromium: it fits a small phone (its tables scroll inside their cards), keeps to the
Content-Security-Policy, and a supervisor publishes a past week with a 周点评 that then shows on the page."""

from datetime import timedelta

import pytest

from fieldapp.periods import week_bounds
from tests.browser.conftest import PHONE, log_in, phone_context

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 640}


def test_the_weekly_page_fits_a_small_phone_and_publishes_a_comment(live_server, chromium):
    for viewport in (SMALL_PHONE, PHONE):
        context = phone_context(chromium, viewport=viewport)
        page = context.new_page()
        violations = []
        page.on("console", lambda m, seen=violations: seen.append(m.text) if "Security Policy" in m.text else None)
        log_in(page, live_server.base, "supervisor")
        page.goto(f"{live_server.base}/reports/weekly")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert page.locator("#ranking-volunteer").count() == 1 and violations == []
        small = page.evaluate(
            """() => [...document.querySelectorAll('main a, main button')]
                 .filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)
                 .map(e => e.textContent.trim().slice(0, 20))"""
        )
        assert small == []
        context.close()

    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, live_server.base, "supervisor")
    with live_server.app.app_context():
        from fieldapp.visits.clock import local_today

        last_week = week_bounds(local_today())[0] - timedelta(days=7)
    page.goto(f"{live_server.base}/reports/weekly?week={last_week.isoformat()}")
    page.fill("#comment", "东门社区进度落后，下周重点督导。")
    page.click("#publish-form button[type=submit]")
    page.wait_for_load_state()
    assert "东门社区进度落后，下周重点督导。" in page.locator("#weekly-comment").inner_text()
    assert page.locator("#publish-form").count() == 0
    context.close()
