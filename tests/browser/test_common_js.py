"""static/js/common.js, what the pages, the outbox and the service worker share, agrees with the server:
a typed code reads the same on the phone as in fieldapp/sites/scan.py, and every address it names is a route."""

import unicodedata

import pytest
from flask import url_for

from fieldapp.sites.scan import SEPARATORS, normalise_code
from tests.browser.conftest import phone_context
from tests.test_scan import full_width

pytestmark = pytest.mark.browser


def typed_codes() -> list[str]:
    """What people type, and every character that NFKC turns into a space or a dash, between two letters."""
    typed = [
        "ABCD2345",
        "abcd2345",
        "  abcd 2345 ",
        "ab-cd 23–45",
        "ＡＢＣＤ－２３４５",
        "ａｂｃｄ\u3000２３４５",
        full_width("abcd 2345"),
        "ABCD.2345",  # not a separator: the server keeps it, so the phone must too
        "ﬁve",
        "\t\n",
        "",
    ]
    typed += [f"ab{chr(c)}cd" for c in range(0x21, 0x7F)]  # printable ASCII
    typed += [f"ab{chr(c)}cd" for c in range(0xFF01, 0xFF5F)]  # their full-width forms
    separators = (
        chr(c)
        for c in range(0x10000)
        if not 0xD800 <= c < 0xE000 and (chr(c).isspace() or SEPARATORS.search(unicodedata.normalize("NFKC", chr(c))))
    )
    typed += [f"ab{c}cd" for c in separators]
    return typed


def test_a_code_typed_on_the_phone_reads_as_on_the_server(live_server, chromium):
    context = phone_context(chromium)
    page = context.new_page()
    page.goto(f"{live_server.base}/login")  # any page loads common.js
    typed = typed_codes()
    on_phone = page.evaluate("typed => typed.map(fieldapp.normaliseCode)", typed)
    differ = {text: (phone, normalise_code(text)) for text, phone in zip(typed, on_phone, strict=True)}
    assert {text: pair for text, pair in differ.items() if pair[0] != pair[1]} == {}
    assert len(typed) > 250
    context.close()


def test_every_address_the_phone_uses_is_a_route_of_the_server(live_server, chromium):
    context = phone_context(chromium)
    page = context.new_page()
    page.goto(f"{live_server.base}/login")
    door = live_server.uncovered_households("城关派出所", 1)[0]
    shared = page.evaluate(
        """([token, areaId]) => ({page: fieldapp.page, api: fieldapp.api, worker: fieldapp.worker,
             door: fieldapp.doorPath(token), doorMatches: fieldapp.door.test(fieldapp.doorPath(token)),
             area: fieldapp.areaPath(areaId), areaMatches: fieldapp.area.test(fieldapp.areaPath(areaId)),
             kept: ["/today", "/scan", "/areas/7", "/outbox", "/offline", "/h/" + token, "/today/x"]
                   .filter(fieldapp.kept)})""",
        [door["token"], door["station_id"]],
    )
    app = live_server.app
    with app.test_request_context():
        assert shared["page"] == {
            "home": url_for("core.index"),
            "today": url_for("areas.today"),
            "scan": url_for("sites.scan"),
            "code": url_for("sites.by_code"),
            "outbox": url_for("offline.outbox"),
            "offline": url_for("offline.shell"),
            "login": url_for("auth.login"),
        }
        assert shared["worker"] == url_for("offline.service_worker")
        assert shared["door"] == url_for("sites.household", token=door["token"]) and shared["doorMatches"]
        assert shared["area"] == url_for("areas.show", area_id=door["station_id"]) and shared["areaMatches"]
    routes = app.url_map.bind("localhost")
    for name, method in (("session", "GET"), ("walkList", "GET"), ("batch", "POST")):
        routes.match(shared["api"][name], method=method)  # raises NotFound or MethodNotAllowed
    assert shared["kept"] == ["/today", "/scan", "/areas/7"]
    context.close()
