"""A door page opened again costs one round trip: its files come from the browser's cache, never asked again."""

import pytest

from tests.browser.conftest import log_in, phone_context

pytestmark = pytest.mark.browser


def network_requests(context, page, url: str) -> list[str]:
    """The paths the network answered while `url` loaded (a file from the cache has no bytes on the wire)."""
    finished = []

    def keep(request):
        finished.append(request)

    context.on("requestfinished", keep)
    page.goto(url, wait_until="networkidle")
    context.remove_listener("requestfinished", keep)
    sizes = [(request.url, request.sizes()) for request in finished]
    return [url.split("/", 3)[3] for url, size in sizes if size["responseBodySize"] + size["responseHeadersSize"] > 0]


def test_the_door_page_opened_again_fetches_only_the_document(live_server, chromium):
    door = live_server.uncovered_households("城关派出所", 30)[25]
    # The browser's HTTP cache alone: the service worker (which keeps the same files) is measured in the bench.
    context = phone_context(chromium, service_workers="block")
    page = context.new_page()
    log_in(page, live_server.base)  # the login page and Today load the shared files: app.css, htmx, ...
    url = f"{live_server.base}/h/{door['token']}"
    first = network_requests(context, page, url)
    assert f"h/{door['token']}" in first and any(path.startswith("static/js/visit.js?v=") for path in first)
    again = network_requests(context, page, url)
    assert again == [f"h/{door['token']}"]
    context.close()
