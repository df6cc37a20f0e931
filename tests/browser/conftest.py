"""A live server with the demo district, and Debian's Chromium at a phone's size."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bench.common import CHROMIUM, CHROMIUM_ARGS
from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Area, Site
from tests.conftest import app_config, unavailable

PHONE = {"width": 390, "height": 844}
# Without this, Chromium's offline emulation leaves the service worker's own fetches online
# (microsoft/playwright#2311): the offline tests would not be offline. Read when the driver starts.
os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


class LiveServer:
    def __init__(self, base: str, app):
        self.base, self.app = base, app

    def uncovered_households(self, station_name: str, count: int) -> list[dict]:
        """Doors of a station nobody has talked to yet: token, label, station id."""
        with self.app.app_context():
            station = db.session.scalar(select(Area).where(Area.name == station_name))
            sites = db.session.scalars(
                select(Site)
                .join(Area, Area.id == Site.building_id)
                .where(
                    Area.path.startswith(station.path),
                    Site.kind == "household",
                    Site.status == "occupied",
                    Site.covered_by_visit_id.is_(None),
                )
                .order_by(Site.id)
                .limit(count)
            ).all()
            return [
                {"token": s.active_tag.token, "label": s.door_label, "station_id": station.id, "site_id": s.id}
                for s in sites
            ]


def buffered(app):
    """Each response read whole and its file closed before a byte is sent.

    Werkzeug's test server skips closing a static file whose download the browser abandoned (a favicon
    request cut short by the next page): the open file then surfaces as a ResourceWarning in whichever
    test runs at that moment. Pages here are small; buffering changes nothing else they see.
    """

    def wsgi(environ, start_response):
        result = app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, sqlite_template):
    """The app with the demo district, served over HTTP on a free loopback port."""
    from fieldapp.demo import load_demo

    path = tmp_path_factory.mktemp("live") / "fieldapp.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        load_demo()
    server = make_server("127.0.0.1", 0, buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def playwright_instance():
    if not os.path.exists(CHROMIUM):
        unavailable(f"Debian's chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def screens() -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    return SCREENS


def phone_context(chromium, locale="zh-CN", viewport=PHONE, **options):
    return chromium.new_context(
        viewport=viewport, device_scale_factor=2, is_mobile=True, has_touch=True, locale=locale, **options
    )


def log_in(page, base: str, username: str = "volunteer", password: str = "fieldapp-demo"):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
