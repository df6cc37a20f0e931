"""Phone weight of the door-flow pages: bytes gzipped (level 6) of each page and the assets it loads.

Runs the app in-process on a temporary SQLite database with the demo district, logs in as the demo
volunteer, and fetches each page as a phone's first visit would (no cache). Prints a table and
writes bench/results/page_weight.json. Goal from the door issue: visit page <= 60 KB, submit <= 4 KB.
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

from bench.common import demo_database
from fieldapp import create_app
from fieldapp.demo import DEMO_PASSWORD

ASSET = re.compile(r'<(?:script[^>]+src|link[^>]+href)="(/static/[^"]+)"')
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


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

    print(f"{'page':<28}{'html raw':>10}{'html gz':>10}{'assets gz':>11}{'total gz':>10}")
    for row in rows:
        assets = sum(row["assets_gz"].values())
        print(f"{row['page']:<28}{row['raw']:>10,}{row['html_gz']:>10,}{assets:>11,}{row['total_gz']:>10,}")
    for path, size in sorted({p: s for r in rows for p, s in r["assets_gz"].items()}.items()):
        print(f"  asset {path:<40}{size:>8,}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "page_weight.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    return {"pages": {row["page"]: {key: row[key] for key in ("raw", "html_gz", "total_gz")} for row in rows}}


if __name__ == "__main__":
    run()
