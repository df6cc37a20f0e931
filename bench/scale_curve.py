"""Scale curve: tally pages at growing data sizes, to see whether their cost grows with the data.

For each database and each size (10k, 100k, 1M sites with 5 visits a site; smoke: 1k, 5k) a fresh district is
generated (bench/generate.py) and the pages are fetched in-process through the Flask test client, logged in with a
real POST /login and CSRF token: the district, a station and a building page as the admin, the district's unvisited
list and last week's weekly report of the district and of a station as the admin, this week's of the district (a
kept draft over FIELDAPP_DRAFT_KEEP_HOUSEHOLDS), the Today walk list as a volunteer, the supervisors' daily log
(GET /log) when the app has it, and the 倒查 search box (GET /backchecks?q=) as the admin, with queries taken from
the data: a door's whole address, the same without its community, a phone's last four digits, a door code
(goal: < 300 ms at 1M sites). The baseline, measured at each size in the same run, is /healthz (one SELECT 1
through the same app): its time does not depend on the data.
"""

import json
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_PASSWORD,
    CSRF,
    SMOKE,
    databases,
    log,
    page_app,
    scratch_database,
    summary_ms,
)
from bench.generate import generate

SIZES = [1_000] if SMOKE else [10_000, 100_000, 1_000_000]
VISITS_PER_SITE = 5
SAMPLES = 8 if SMOKE else 30
#: Stop sampling a page after this long (a slow page at 1M sites gets fewer samples, at least 3).
PAGE_BUDGET_S = 2 if SMOKE else 20
#: Pages under construction elsewhere join the curve as soon as their route exists (hook for /log).
OPTIONAL_PAGES = {"daily log (/log)": ("/log", "supervisor")}


def time_page(client, url: str) -> dict:
    client.get(url)  # warm: templates compiled, the database's pages in cache
    samples = []
    started = time.monotonic()
    status = None
    while len(samples) < SAMPLES and (len(samples) < 3 or time.monotonic() - started < PAGE_BUDGET_S):
        begin = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - begin)
        status = response.status_code
    return {**summary_ms(samples), "status": status}


def logged_in(app, username: str):
    client = app.test_client()
    token = CSRF.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": BENCH_PASSWORD})
    assert response.status_code == 303, f"login as {username}: {response.status_code}"
    return client


def search_queries(db) -> dict[str, str]:
    """Back-check queries drawn from the generated data, from its last rows (a scan from the start would find
    the first rows quickly and flatter the search)."""
    from sqlalchemy import text

    from fieldapp.backchecks.search import chinese_numerals

    door = db.session.execute(
        text(
            "SELECT s.room, s.unit, b.name AS building, c.name AS community FROM sites s"
            " JOIN areas b ON b.id = s.building_id JOIN areas g ON g.id = b.parent_id"
            " JOIN areas c ON c.id = g.parent_id WHERE s.unit <> '' ORDER BY s.id DESC LIMIT 1"
        )
    ).one()
    phone = db.session.scalar(
        text("SELECT contact_phone FROM sites WHERE contact_phone IS NOT NULL ORDER BY id DESC LIMIT 1")
    )
    code = db.session.scalar(text("SELECT short_code FROM tags ORDER BY id DESC LIMIT 1"))
    return {
        "back-check: whole address": f"{door.community} {door.building} {door.unit}单元 {door.room}",
        "back-check: no community": f"{door.building} {door.unit}单元 {door.room}",
        "back-check: Chinese numerals": f"{door.building} {chinese_numerals(door.unit) or door.unit}单元 {door.room}室",
        "back-check: 4 phone digits": phone[-4:],
        "back-check: door code": code,
    }


def last_week() -> str:
    """The first day of last week: a whole week of generated visits, built (not published) on every request."""
    from datetime import timedelta

    from fieldapp.periods import week_bounds
    from fieldapp.visits.clock import local_today

    return week_bounds(local_today() - timedelta(days=7))[0].isoformat()


def measure(database_url: str, made: dict) -> dict:
    from fieldapp.extensions import db

    app = page_app(database_url)
    admin = logged_in(app, "admin")
    with app.app_context():
        week = last_week()
    pages = {
        "healthz (baseline)": (admin, "/healthz"),
        "district": (admin, f"/areas/{made['district_id']}"),
        "station": (admin, f"/areas/{made['station_id']}"),
        "building": (admin, f"/areas/{made['building_id']}"),
        "today (volunteer)": (logged_in(app, made["volunteers"][0]), "/today"),
        "unvisited list (district)": (admin, f"/areas/{made['district_id']}/unvisited"),
        "weekly report (district)": (admin, f"/reports/weekly?area={made['district_id']}&week={week}"),
        "weekly report (station)": (admin, f"/reports/weekly?area={made['station_id']}&week={week}"),
        # This week's draft: kept for an area over FIELDAPP_DRAFT_KEEP_HOUSEHOLDS, else built on every request.
        "weekly report, this week (district)": (admin, f"/reports/weekly?area={made['district_id']}"),
    }
    with app.app_context():
        for name, query in search_queries(db).items():
            pages[name] = (admin, "/backchecks?q=" + quote(query))
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    for name, (url, role) in OPTIONAL_PAGES.items():
        if url in rules:
            pages[name] = (logged_in(app, made[role]), url)
    results = {name: time_page(client, url) for name, (client, url) in pages.items()}
    for name, (client, url) in pages.items():
        # A search that finds nothing would be fast for the wrong reason.
        if name.startswith("back-check") and 'href="/backchecks/sites/' not in client.get(url).text:
            raise SystemExit(f"{name}: {url} found nothing")
    with app.app_context():
        db.engine.dispose()
    return results


def run() -> dict:
    results = {"sizes": SIZES, "visits_per_site": VISITS_PER_SITE, "databases": {}}
    for kind in databases():
        per_size = {}
        for size in SIZES:
            with scratch_database(kind, "scale") as url:
                log(f"scale curve on {kind}: generating {size:,} sites, {VISITS_PER_SITE * size:,} visits")
                made = generate(url, size, VISITS_PER_SITE * size)
                log(f"  generated in {made['seconds']} s; timing pages")
                pages = measure(url, made)
                per_size[str(size)] = {"generate_s": made["seconds"], "visits": made["visits"], "pages": pages}
                for name, page in pages.items():
                    log(f"  {size:>9,} {name:<20} p50 {page['p50_ms']:>8} ms  p95 {page['p95_ms']:>8} ms")
        smallest = per_size[str(SIZES[0])]["pages"]
        for entry in per_size.values():
            for name, page in entry["pages"].items():
                page["p95_vs_smallest"] = round(page["p95_ms"] / smallest[name]["p95_ms"], 2)
                baseline = entry["pages"]["healthz (baseline)"]["p50_ms"]
                page["p50_vs_baseline"] = round(page["p50_ms"] / baseline, 1) if baseline else None
        results["databases"][kind] = per_size
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
