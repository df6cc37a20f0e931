"""Phone weight of the door-flow pages: bytes gzipped (level 6) of each page and the assets it loads; then the
door page as Chromium receives it from gunicorn: bytes on the wire cold, and round trips warm.

Runs the app in-process on a temporary SQLite database with the demo district, logs in as the demo
volunteer, and fetches each page as a phone's first visit would (no cache). Prints a table and
writes bench/results/page_weight.json. Goal from the door issue: visit page <= 60 KB, submit <= 4 KB.

The wire part (`wire()`): the same demo served by a real gunicorn, the door page opened by Chromium (390x844)
in a fresh profile, logged in as the volunteer: every answer's bytes as received (compressed bodies and their
headers, Chromium's count), then the page opened again twice: the requests that went to the network. With the
service worker (as phones run it) and without (the browser's HTTP cache alone). Goal (issue 18): cold door page
<= 35 KB on the wire, warm door page one round trip.
"""

import gzip
import json
import re
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright

from bench.common import CHROMIUM, CHROMIUM_ARGS, CSRF, SMOKE, Phone, Server, demo_database, log
from fieldapp import create_app
from fieldapp.demo import DEMO_PASSWORD

ASSET = re.compile(r'<(?:script[^>]+src|link[^>]+href)="(/static/[^"]+)"')


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def wire_bytes(request) -> int:
    """Bytes of the answer as they came over the network (0 when the cache or the service worker answered)."""
    if request.response() is None:
        return 0
    sizes = request.sizes()
    return max(0, sizes["responseBodySize"] + sizes["responseHeadersSize"])


def from_network(request) -> bool:
    """A request the network answered: not served by the page's service worker, and with bytes received."""
    response = request.response()
    return response is not None and not response.from_service_worker and wire_bytes(request) > 0


#: What the page itself loads to show the door (its document and the files it names); not its later fetches.
PAGE_TYPES = {"document", "stylesheet", "script", "image", "font", "other", "manifest"}  # other: the tab's icon


def of_the_page(request) -> bool:
    try:
        request.frame  # noqa: B018 (a service worker's own request has none: Playwright raises)
    except Exception:
        return False
    return request.resource_type in PAGE_TYPES


def open_door(context, url: str) -> list:
    """Every finished request of the context (the page's and its service worker's) while the door page loads."""
    seen = []

    def keep(request):
        seen.append(request)

    context.on("requestfinished", keep)  # finished: its sizes are known (sizes() of an unfinished one waits)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)
    context.remove_listener("requestfinished", keep)
    return seen


def wire(demo: dict) -> dict:
    """Cold bytes and warm round trips of the door page, from gunicorn to Chromium."""
    import os
    import shutil

    if not shutil.which(CHROMIUM):
        return {"skipped": f"{CHROMIUM} is missing: `make browser` installs Debian's chromium"}
    # The service worker's own network requests reported too (Playwright's switch, read as its driver starts).
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"

    results = {}
    with Server("wsgi:app", demo["url"], "sync", 2, 1) as server, sync_playwright() as playwright:
        phone = Phone(server.base)
        phone.login("volunteer", DEMO_PASSWORD)
        cookies = [
            {"name": name.strip(), "value": value, "url": server.base}
            for name, _, value in (part.partition("=") for part in phone.cookie_header().split(";"))
        ]
        url = f"{server.base}/h/{demo['token']}"
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phones = {
            "with service worker": ("allow", {}),
            "HTTP cache only": ("block", {}),
            # The same bytes uncompressed, as every phone received them before Flask-Compress.
            "uncompressed (Accept-Encoding: identity)": ("block", {"Accept-Encoding": "identity"}),
        }
        for label, (mode, headers) in list(phones.items())[: 1 if SMOKE else 3]:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, service_workers=mode, extra_http_headers=headers
            )
            context.add_cookies(cookies)
            loaded = [r for r in open_door(context, url) if from_network(r)]
            cold = [r for r in loaded if of_the_page(r)]
            background = [r for r in loaded if not of_the_page(r)]
            # The first return also keeps the walk list for offline use (the service worker now controls the
            # page; then again every 10 minutes, outbox.js): listed apart. The loads after it are the warm ones.
            first_return, *warm = [open_door(context, url) for _ in range(3)]
            results[label] = {
                "cold_requests": len(cold),
                "cold_wire_bytes": sum(wire_bytes(r) for r in cold),
                "cold_body_bytes": sum(max(0, r.sizes()["responseBodySize"]) for r in cold),
                "cold": {r.url.removeprefix(server.base): wire_bytes(r) for r in cold},
                # After the load: the service worker's copy of the offline shell, the walk list kept for a basement.
                "background_wire_bytes": sum(wire_bytes(r) for r in background),
                "background": {r.url.removeprefix(server.base): wire_bytes(r) for r in background},
                "first_return": [r.url.removeprefix(server.base) for r in first_return if from_network(r)],
                "warm_round_trips": max(sum(from_network(r) for r in load) for load in warm),
                "warm": sorted({r.url.removeprefix(server.base) for load in warm for r in load if from_network(r)}),
            }
            log(
                f"page_weight wire, {label}: {results[label]['cold_wire_bytes']:,} B cold, "
                f"{results[label]['warm_round_trips']} round trip(s) warm"
            )
            context.close()
        browser.close()
    return results


def run() -> dict:
    with tempfile.TemporaryDirectory() as folder:
        demo = demo_database(folder)
        app = create_app({"SQLALCHEMY_DATABASE_URI": demo["url"], "RATELIMIT_ENABLED": False})
        token, building_id, station_id = demo["token"], demo["building_id"], demo["station_id"]

        anonymous = app.test_client()
        login_html = anonymous.get("/login").data
        login_assets = {path: gz(anonymous.get(path).data) for path in sorted(set(ASSET.findall(login_html.decode())))}
        rows = [
            {
                "page": "login",
                "html_gz": gz(login_html),
                "raw": len(login_html),
                "assets_gz": login_assets,
                "total_gz": gz(login_html) + sum(login_assets.values()),
            }
        ]

        client = app.test_client()
        login = client.get("/login")
        client.post(
            "/login",
            data={"username": "volunteer", "password": DEMO_PASSWORD, "csrf_token": CSRF.search(login.text).group(1)},
        )
        pages = {
            "today": "/today",
            "scan": "/scan",
            "visit page (/h/<token>)": f"/h/{token}",
            "door list (building)": f"/areas/{building_id}",
            "station": f"/areas/{station_id}",
            # Leaflet and the map's own CSS and JS load here only; the volunteer's view (buildings, no visits).
            "coverage map (station)": f"/areas/{station_id}/map",
            "coverage map data (json)": f"/areas/{station_id}/map.json",
        }
        for name, url in pages.items():
            response = client.get(url)
            if response.status_code != 200:  # a page not merged into this branch yet
                continue
            html = response.data
            assets = sorted(set(ASSET.findall(html.decode())))
            asset_bytes = {path: gz(client.get(path).data) for path in assets}
            rows.append(
                {
                    "page": name,
                    "html_gz": gz(html),
                    "raw": len(html),
                    "assets_gz": asset_bytes,
                    "total_gz": gz(html) + sum(asset_bytes.values()),
                }
            )

        page = client.get(f"/h/{token}").text
        form = {
            "csrf_token": CSRF.search(page).group(1),
            "client_uuid": str(uuid.uuid4()),
            "outcome": "talked",
            "people_reached": "2",
            "app_installs": "2",
            "realname_regs": "0",
            "miniprogram_regs": "0",
            "lat": "30.2741",
            "lon": "120.1551",
            "accuracy_m": "8",
        }
        submit = client.post(f"/h/{token}", data=form, headers={"HX-Request": "true"}).data
        rows.append(
            {
                "page": "submit response (htmx)",
                "html_gz": gz(submit),
                "raw": len(submit),
                "assets_gz": {},
                "total_gz": gz(submit),
            }
        )
        door_wire = wire(demo)

    print(f"{'page':<28}{'html raw':>10}{'html gz':>10}{'assets gz':>11}{'total gz':>10}")
    for row in rows:
        assets = sum(row["assets_gz"].values())
        print(f"{row['page']:<28}{row['raw']:>10,}{row['html_gz']:>10,}{assets:>11,}{row['total_gz']:>10,}")
    for path, size in sorted({p: s for r in rows for p, s in r["assets_gz"].items()}.items()):
        print(f"  asset {path:<40}{size:>8,}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    for label, figures in door_wire.items():
        if isinstance(figures, dict):
            print(
                f"door page over the wire, {label}: {figures['cold_wire_bytes']:,} B cold in "
                f"{figures['cold_requests']} requests ({figures['cold_body_bytes']:,} B of bodies), "
                f"{figures['warm_round_trips']} round trip(s) warm: {figures['warm']}"
            )
            for path, size in figures["cold"].items():
                print(f"  {path:<48}{size:>8,}")
    (out / "page_weight.json").write_text(json.dumps({"pages": rows, "wire": door_wire}, indent=2, ensure_ascii=False))
    return {
        "pages": {row["page"]: {key: row[key] for key in ("raw", "html_gz", "total_gz")} for row in rows},
        "door_wire": door_wire,
    }


if __name__ == "__main__":
    run()
