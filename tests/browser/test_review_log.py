"""The supervisor's daily log on a phone: flagged visits first, a rejection swapped in place."""

from datetime import timedelta

import pytest

from fieldapp.visits.clock import local_today
from tests.browser.conftest import log_in, phone_context

pytestmark = pytest.mark.browser


def test_a_supervisor_rejects_a_visit_from_the_log(live_server, chromium, screens):
    door = live_server.uncovered_households("城关派出所", 6)[5]
    # A volunteer records a visit far from the door, so the log has something flagged today.
    context = phone_context(
        chromium, geolocation={"latitude": 30.30, "longitude": 120.20, "accuracy": 10}, permissions=["geolocation"]
    )
    page = context.new_page()
    log_in(page, live_server.base)
    page.goto(f"{live_server.base}/h/{door['token']}")
    page.wait_for_selector(".gps-status:not([hidden])")
    page.locator("label.choice-talked").tap()
    page.locator("#visit-panel button[type=submit]").tap()
    page.wait_for_selector("#visit-panel.done")
    context.close()

    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, live_server.base, "supervisor")
    page.goto(f"{live_server.base}/log?flag=far")
    first = page.locator(".log-row", has_text=door["label"]).first
    assert "离门牌" in first.inner_text()
    page.screenshot(path=screens / "log-zh.png", full_page=False)
    first.locator("input[name=comment]").fill("定位离门牌太远")
    first.locator("button[value=rejected]").tap()
    page.wait_for_selector(".log-row.review-rejected")
    assert "已驳回: 定位离门牌太远" in page.locator(".log-row.review-rejected").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.base}/lang/en?next=/log")
    page.screenshot(path=screens / "log-en.png", full_page=False)
    context.close()


def test_a_long_day_is_paged_with_thumb_sized_links(live_server, chromium, screens, monkeypatch):
    for module in ("services", "routes"):  # three visits a page, so the demo's day needs several
        monkeypatch.setattr(f"fieldapp.review.{module}.LOG_PAGE_SIZE", 3)
    # Yesterday's log: the demo's "today" runs from six hours before it was loaded, so in the first hours of a
    # local day (and in a run that crosses midnight) today's log may hold a visit or two; the day before never does.
    with live_server.app.app_context():
        day = (local_today() - timedelta(days=1)).isoformat()
    context = phone_context(chromium)
    page = context.new_page()
    log_in(page, live_server.base, "supervisor")
    page.goto(f"{live_server.base}/log?day={day}&outcome=talked")
    page.locator("a[rel=next]").tap()
    assert "第 2 /" in page.locator(".pager").inner_text() and "outcome=talked" in page.url and day in page.url
    previous = page.locator("a[rel=prev]").bounding_box()
    assert previous["height"] >= 44
    page.locator(".pager").scroll_into_view_if_needed()
    page.screenshot(path=screens / "log-pages-zh.png", full_page=False)
    context.close()
