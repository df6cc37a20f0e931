"""The district and station pages on an existing bench database (bench/generate.py), as the scale curve times them.

    .venv/bin/python bench/area_pages.py --database-url sqlite:///big.sqlite [--statements]

In-process through the Flask test client, logged in with a real POST /login as the generated admin; each page is
warmed once, then fetched REQUESTS times; /healthz (one SELECT 1 through the same app) is the baseline, measured in
the same run. --statements adds, per page, the slowest SQL statements of one more request (cursor events), so a
figure says where its time goes. BENCH_SMOKE=1 generates a 1,000-site district in a scratch database instead.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SMOKE, log, page_app, scratch_database, summary_ms
from bench.scale_curve import logged_in

REQUESTS = 5 if SMOKE else 15


def timed(client, url: str) -> dict:
    client.get(url)  # warm: templates compiled, the database's pages in cache
    samples = []
    for _ in range(REQUESTS):
        begin = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - begin)
        assert response.status_code == 200, f"{url}: {response.status_code}"
    return summary_ms(samples)


def slowest_statements(app, client, url: str, count: int = 8) -> list[tuple[float, str]]:
    """The `count` slowest statements of one request to `url`: (ms, the statement's first 160 characters)."""
    from sqlalchemy import event

    from fieldapp.extensions import db

    with app.app_context():
        engine = db.engine
    found, started = [], {}

    def before(_conn, _cursor, statement, _params, context, _many):
        started[id(context)] = time.perf_counter()

    def after(_conn, _cursor, statement, _params, context, _many):
        elapsed = (time.perf_counter() - started.pop(id(context), time.perf_counter())) * 1000
        found.append((round(elapsed, 1), " ".join(statement.split())[:160]))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return sorted(found, reverse=True)[:count]


def measure(database_url: str, statements: bool = False) -> dict:
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import Area

    app = page_app(database_url)
    with app.app_context():
        district = db.session.scalar(select(Area.id).where(Area.level == "district").order_by(Area.id).limit(1))
        station = db.session.scalar(select(Area.id).where(Area.level == "station").order_by(Area.id).limit(1))
    admin = logged_in(app, "admin")
    pages = {"healthz (baseline)": "/healthz", "district": f"/areas/{district}", "station": f"/areas/{station}"}
    results = {name: timed(admin, url) for name, url in pages.items()}
    if statements:
        for name, url in pages.items():
            results[name]["slowest"] = slowest_statements(app, admin, url)
    with app.app_context():
        db.engine.dispose()
    return results


def run() -> dict:
    """BENCH_SMOKE: a 1,000-site district per database, generated for the purpose."""
    from bench.common import databases
    from bench.generate import generate

    results = {}
    for kind in databases():
        with scratch_database(kind, "area_pages") as url:
            generate(url, 1_000, 5_000)
            results[kind] = measure(url)
            log(f"{kind}: {json.dumps(results[kind])}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a database made by bench/generate.py")
    parser.add_argument("--statements", action="store_true", help="also list each page's slowest statements")
    args = parser.parse_args()
    if SMOKE or not args.database_url:
        print(json.dumps(run(), indent=2, ensure_ascii=False))
        return
    print(json.dumps(measure(args.database_url, args.statements), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
