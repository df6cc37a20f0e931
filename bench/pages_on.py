"""Time every page of issue 18's part 4 (the area pages, the unvisited list, the daily log and the weekly report) on
a database generated earlier (bench/generate.py), the scale curve's way (in-process test client, real login, warmed
once, then up to 30 requests or 20 s), with /healthz as the baseline of the same run (the first request of each page
is timed apart: it builds a past week's report, or a large area's draft of this week):

    .venv/bin/python bench/pages_on.py postgresql://postgres@127.0.0.1:5432/big1m [page-name ...]

The database must hold generate.py's district (area 1, its first station area 2, supervisor sup1) and be at the
migrations' head. Nothing is written but the logins' audit rows.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import log, page_app
from bench.scale_curve import last_week, logged_in, time_page


def pages(app) -> dict:
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.models import Visit

    admin, supervisor = logged_in(app, "admin"), logged_in(app, "sup1")
    with app.app_context():
        week = last_week()
        # The data's last day, which was "today" when it was generated (the log opens on today).
        day = db.session.scalar(select(func.max(Visit.day))).isoformat()
    return {
        "healthz (baseline)": (admin, "/healthz"),
        "district page (/areas/1)": (admin, "/areas/1"),
        "station page (/areas/2)": (supervisor, "/areas/2"),
        "unvisited list (district)": (admin, "/areas/1/unvisited"),
        "unvisited list (station)": (supervisor, "/areas/2/unvisited"),
        "daily log (/log, station)": (supervisor, f"/log?day={day}"),
        "daily log (/log, district)": (admin, f"/log?day={day}"),
        "daily log (/log, station, page 2)": (supervisor, f"/log?day={day}&page=2"),
        "daily log (/log, district, far)": (admin, f"/log?day={day}&flag=far"),
        "daily log (/log, district, refused)": (admin, f"/log?day={day}&outcome=refused"),
        "weekly report (district)": (admin, f"/reports/weekly?area=1&week={week}"),
        "weekly report (station)": (admin, f"/reports/weekly?area=2&week={week}"),
        "weekly report, this week (district)": (admin, "/reports/weekly?area=1"),
        "weekly report, this week (station)": (admin, "/reports/weekly?area=2"),
    }


def main() -> None:
    url, chosen = sys.argv[1], sys.argv[2:]
    app = page_app(url)
    results = {}
    for name, (client, path) in pages(app).items():
        if chosen and name not in chosen and not name.startswith("healthz"):
            continue
        began = time.perf_counter()
        client.get(path)  # the first request: a past week's report is built (and kept) here
        first_ms = round((time.perf_counter() - began) * 1000, 1)
        results[name] = {**time_page(client, path), "first_ms": first_ms}
        page = results[name]
        log(f"{name:<36} first {first_ms:>9} ms  p50 {page['p50_ms']:>9} ms  p95 {page['p95_ms']:>9} ms  ({path})")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
