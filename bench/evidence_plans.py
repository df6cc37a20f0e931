"""Which plan PostgreSQL makes for the trust evidence (trust/signals.py) when today is newer than the statistics.

    .venv/bin/python bench/evidence_plans.py      # PostgreSQL; writes bench/results/evidence_plans.json

A generated district like the submit bench's (20,000 doors, 500 volunteers with a history of their own, ANALYZEd),
then "today": its last seven days' visits copied onto the next day (generate.busy_today: about 14,000 visits, a busy
day), not ANALYZEd, as a day stands in the field until autovacuum ANALYZEs (after a tenth of the table changed).
The evidence of a volunteer's next visit is run 50 times through the app's own connection, as PostgreSQL plans it by
itself and planned for any values (`planned_generically`, what the app asks for); then the same after ANALYZE.
Reported: the median ms of a run (planning included), and the generic and custom plans counted in
pg_prepared_statements (psycopg prepares a statement from its sixth run; the runs before are not counted).
A diagnostic, like profile_submit.py; not part of `make bench`.
"""

import datetime as dt
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, log, scratch_database
from bench.generate import busy_today, generate

RUNS = 50


def next_visit(connection) -> dict:
    """The parameters of the evidence of the next visit of today's latest volunteer with a fix, a minute later."""
    from fieldapp.models.areas import path_end

    today = connection.execute("SELECT max(day) FROM visits").fetchone()[0]
    user, site, lat, lon, moment = connection.execute(
        "SELECT user_id, site_id, lat, lon, server_time FROM visits WHERE day = %s AND lat IS NOT NULL"
        " ORDER BY id DESC LIMIT 1",
        (today,),
    ).fetchone()
    moment += dt.timedelta(minutes=1)
    east_m, metres = 111_320 * math.cos(math.radians(lat)), 40
    building = connection.execute(
        "SELECT a.path FROM areas a JOIN sites s ON s.building_id = a.id WHERE s.id = %s", (site,)
    ).fetchone()[0]
    path = "/" + "/".join(building.strip("/").split("/")[:2]) + "/"  # the station's, as trust.signals.bounds_path
    return {
        **dict(user_id=user, day=today, moment=moment, before_id=2**31 - 1, site_id=site),
        **dict(since=moment - dt.timedelta(minutes=10), lat=lat, lon=lon, east_m=east_m, limit_squared=400.0),
        **dict(south=lat - metres / 111_320, north=lat + metres / 111_320),
        **dict(west=lon - metres / east_m, east=lon + metres / east_m),
        **dict(path=path, path_end=path_end(path)),
    }


def measure(parameters: dict, generic: bool) -> dict:
    """The evidence run RUNS times through the app's own connection, each in its own transaction as a submit runs it;
    with `generic`, after planned_generically as trust.signals.evidence. The plans counted are these runs' own."""
    from sqlalchemy import text

    from fieldapp.database import planned_generically
    from fieldapp.extensions import db
    from fieldapp.trust.signals import _evidence_statement

    plans = text(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE 'SELECT day.in_window%'"
    )
    before = db.session.execute(plans).one_or_none() or (0, 0)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        connection = db.session.connection()
        if generic:
            planned_generically(connection)
        connection.execute(_evidence_statement("postgresql"), parameters).one()
        times.append((time.perf_counter() - started) * 1000)
        db.session.commit()
    after = db.session.execute(plans).one()
    db.session.commit()
    median = round(statistics.median(times), 2)
    return {"median_ms": median, "generic_plans": after[0] - before[0], "custom_plans": after[1] - before[1]}


def run() -> dict:
    import psycopg
    from sqlalchemy import text

    from fieldapp import create_app
    from fieldapp.extensions import db

    results = {}
    with scratch_database("postgresql", "plans") as url:
        generate(url, 20_000, 60_000, ending_yesterday=True, doors_per_volunteer=40)
        copied = busy_today(url)
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
            parameters = next_visit(connection)
        log(f"today: {copied:,} visits, not ANALYZEd")
        with create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}).app_context():
            for stage in ("today not in the statistics", "after ANALYZE"):
                if stage == "after ANALYZE":
                    db.session.execute(text("ANALYZE visits"))
                    db.session.commit()
                for label, generic in (("as PostgreSQL plans it", False), ("planned for any values", True)):
                    results.setdefault(stage, {})[label] = measured = measure(parameters, generic)
                    log(f"{stage}, {label}: {measured}")
            db.session.remove()
            db.engine.dispose()
    return {"today_visits": copied, "runs": RUNS, "results": results}


if __name__ == "__main__":
    outcome = run()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "evidence_plans.json").write_text(json.dumps(outcome, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(outcome, indent=2, ensure_ascii=False))
