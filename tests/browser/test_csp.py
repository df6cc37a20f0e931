"""The Content-Security-Policy in a real Chromium: every page runs with it and the browser reports no violation,
before and after an htmx swap (issue 13)."""

import pytest

from tests.browser.conftest import log_in, phone_context

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """() => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", function (e) {
    window.__csp.push(e.violatedDirective + " " + e.blockedURI);
  });
}"""


def test_no_page_breaks_the_content_security_policy(live_server, chromium):
    door = live_server.uncovered_households("城关派出所", 1)[0]
    context = phone_context(chromium, permissions=["geolocation"], geolocation={"latitude": 30.0, "longitude": 120.0})
    context.add_init_script(f"({REPORT_VIOLATIONS})()")  # runs before any page script, CSP or not
    page = context.new_page()
    console = []
    page.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )
    log_in(page, live_server.base, "supervisor")
    pages = [
        "/login",
        "/today",
        f"/h/{door['token']}",
        f"/areas/{door['station_id']}",
        "/log",
        "/scan",
        "/outbox",
        "/offline",
    ]
    for path in pages:
        response = page.goto(live_server.base + path)
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], path
    page.goto(f"{live_server.base}/h/{door['token']}")
    page.locator("label.choice-talked").tap()
    page.locator("#visit-panel button[type=submit]").tap()
    page.wait_for_selector("#visit-panel.done")  # htmx swapped the confirmation in
    assert page.evaluate("window.__csp") == []
    assert console == []
    context.close()
