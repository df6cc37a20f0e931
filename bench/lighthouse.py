"""Lighthouse mobile run of the visit page, the volunteer's Today page and the supervisor's coverage map of a
station, with Debian's Chromium.

The demo district on a temporary SQLite database is served by a real gunicorn on loopback; the
demo volunteer logs in over HTTP and Lighthouse (npm `lighthouse`, a devDependency in
package.json) loads each page with that session cookie, as a phone that has just scanned a door.
Lighthouse's defaults are a mid-range phone on a slow 4G connection (simulated throttling).
Reported: performance, accessibility and best-practices scores, and the paint timings behind them.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, SMOKE, Phone, Server, demo_database, log

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --lang=zh-CN"
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")


def audit(url: str, cookie: str, folder: Path, name: str) -> dict:
    headers = folder / "headers.json"
    headers.write_text(json.dumps({"Cookie": cookie}))
    report = folder / f"{name}.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        "--only-categories=performance,accessibility,best-practices",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--extra-headers={headers}",
        "--max-wait-for-load=30000",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    if done.returncode != 0 or not report.exists():
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no report"]}
    data = json.loads(report.read_text())
    scores = {key: round(category["score"] * 100) for key, category in data["categories"].items()}
    metrics = {key: data["audits"][key]["displayValue"] for key in METRICS if key in data["audits"]}
    failed = sorted(
        audit_id
        for audit_id, result in data["audits"].items()
        if result.get("score") is not None and result["score"] < 0.9 and result.get("scoreDisplayMode") == "binary"
    )
    console = [
        f"{item.get('source', '')}: {item.get('description', '')} {item.get('sourceLocation', {}).get('url', '')}"
        for item in (data["audits"].get("errors-in-console", {}).get("details") or {}).get("items", [])
    ]
    return {
        "scores": scores,
        "metrics": metrics,
        "failed_audits": failed,
        "console_errors": console,
        "final_url": data.get("finalDisplayedUrl"),
    }


def run() -> dict:
    if not LIGHTHOUSE.exists():
        return {"skipped": "node_modules/.bin/lighthouse is missing: `npm ci` installs the devDependency"}
    if not shutil.which(CHROMIUM):
        return {"skipped": f"{CHROMIUM} is missing: `make browser` installs Debian's chromium"}
    results = {"lighthouse": "12.8.2 (package.json)", "form_factor": "mobile, simulated slow 4G", "pages": {}}
    with tempfile.TemporaryDirectory(prefix="fieldapp-lighthouse-") as scratch:
        demo = demo_database(scratch)
        token = demo["token"]
        with Server("wsgi:app", demo["url"], "sync", 2, 1) as server:
            phone = Phone(server.base)
            phone.login("volunteer", "fieldapp-demo")
            pages = {"visit page (/h/<token>)": f"/h/{token}", "today": "/today"}
            if SMOKE:  # one page keeps the wiring tested; the full run audits both
                pages.pop("today")
            for name, path in pages.items():
                log(f"lighthouse: {name}")
                results["pages"][name] = audit(server.base + path, phone.cookie_header(), Path(scratch), path[1])
                log(f"  {results['pages'][name].get('scores') or results['pages'][name]}")
            if not SMOKE:  # the map page (Leaflet, its data) as the supervisor opens it for the demo's station
                supervisor = Phone(server.base)
                supervisor.login("supervisor", "fieldapp-demo")
                url = f"{server.base}/areas/{demo['station_id']}/map"
                log("lighthouse: coverage map")
                found = results["pages"]["coverage map"] = audit(url, supervisor.cookie_header(), Path(scratch), "map")
                log(f"  {found.get('scores') or found}")
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
