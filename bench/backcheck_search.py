"""倒查 search: GET /backchecks?q=... on a generated district, as the district admin (every site) and a station
supervisor, for each kind of query the box takes. Goal: < 300 ms at 1M sites.

    .venv/bin/python bench/backcheck_search.py --database-url sqlite:///big.sqlite [--with-indexes]

Run on a database made by bench/generate.py (any size). The queries are taken from the data: a real door
as "第N社区 3号楼 2单元 502" and as "3号楼 2单元 502", the last four digits of a real phone, a door code.
`--with-indexes` first creates the two indexes the merger is asked to add by migration (INDEXES), to measure
the search with them; without them the phone and householder searches scan the sites.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SECRET_KEY, log, summary_ms
from bench.scale_curve import logged_in

SAMPLES = 20
#: The indexes the merger is asked to add by migration: the phone's last four digits, and the householder.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_sites_phone_last4 ON sites (substr(contact_phone, length(contact_phone) - 3))",
    "CREATE INDEX IF NOT EXISTS ix_sites_householder ON sites (householder)",
)


def sample_queries(db) -> dict[str, str]:
    from sqlalchemy import text

    from fieldapp.backchecks.search import chinese_numerals

    # Doors from the middle and later of the table (500,000 and on at 1M sites), whatever its size.
    last = db.session.scalar(text("SELECT max(id) FROM sites"))
    door = db.session.execute(
        text(
            "SELECT s.room, s.unit, b.name AS building, c.name AS community FROM sites s"
            " JOIN areas b ON b.id = s.building_id JOIN areas g ON g.id = b.parent_id"
            " JOIN areas c ON c.id = g.parent_id"
            " WHERE s.unit <> '' AND s.id > :after ORDER BY s.id LIMIT 1"
        ),
        {"after": last // 2},
    ).one()
    phone = db.session.scalar(
        text("SELECT contact_phone FROM sites WHERE contact_phone IS NOT NULL AND id > :after LIMIT 1"),
        {"after": last * 6 // 10},
    )
    code = db.session.scalar(
        text("SELECT short_code FROM tags WHERE site_id > :after LIMIT 1"), {"after": last * 7 // 10}
    )
    unit = chinese_numerals(door.unit) or door.unit
    return {
        "community + building + unit + room": f"{door.community} {door.building} {door.unit}单元 {door.room}",
        "whole address in one cell": f"{door.community}{door.building}{door.unit}单元{door.room}室",
        "building + unit + room (no community)": f"{door.building} {door.unit}单元 {door.room}",
        "unit in Chinese numerals (二单元)": f"{door.community} {door.building} {unit}单元 {door.room}",
        "last four phone digits": phone[-4:],
        "door code": code,
        "householder (no place of that name)": "张三丰",
    }


def time_search(client, query: str) -> dict:
    client.get("/backchecks", query_string={"q": query})  # warm
    samples, found = [], 0
    for _ in range(SAMPLES):
        begin = time.perf_counter()
        response = client.get("/backchecks", query_string={"q": query})
        samples.append(time.perf_counter() - begin)
        found = response.text.count('href="/backchecks/sites/')
    return {**summary_ms(samples), "results": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--with-indexes", action="store_true")
    args = parser.parse_args()

    from fieldapp import create_app
    from fieldapp.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        if args.with_indexes:
            from sqlalchemy import text

            started = time.monotonic()
            for index in INDEXES:
                db.session.execute(text(index))
            db.session.commit()
            log(f"indexes made in {time.monotonic() - started:.1f} s")
        queries = sample_queries(db)
        sites = db.session.scalar(db.text("SELECT count(*) FROM sites"))
    results = {"sites": sites, "indexes": args.with_indexes, "pages": {}}
    for user in ("admin", "sup1"):
        client = logged_in(app, user)
        for name, query in queries.items():
            figures = time_search(client, query)
            results["pages"][f"{user}: {name}"] = {"query": query, **figures}
            log(
                f"{user:5} {name:40} {figures['p50_ms']:8.1f} ms p50 {figures['p95_ms']:8.1f} ms p95"
                f"  {figures['results']} found"
            )
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
