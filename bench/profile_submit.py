"""Where a visit submit spends its time: ms and SQL statements per submit, in-process, optionally under cProfile.

    .venv/bin/python bench/profile_submit.py                    # SQLite, 300 submits and 300 baseline requests
    .venv/bin/python bench/profile_submit.py --database postgresql --submits 300
    .venv/bin/python bench/profile_submit.py --show-sql         # the statements of one submit, with their times
    .venv/bin/python bench/profile_submit.py --profile 25       # the 25 costliest functions (cumulative)
    .venv/bin/python bench/profile_submit.py --path api         # the JSON API instead of the door page's form

The same request the load test sends (POST /h/<token>, htmx, CSRF, logged-in volunteer; or with --path api
POST /api/v1/visits as the phone's outbox sends it, session cookie and X-CSRFToken) goes through
the Flask test client on a generated district, so every rule and query of the real path runs; only
the HTTP server and the network are left out. A tool for finding work to cut, not a benchmark:
`make bench` measures throughput through gunicorn against a baseline.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_PASSWORD, CSRF, SECRET_KEY, log, scratch_database
from bench.generate import generate

ROUNDS = 5


def submit_form(token: str, csrf: str) -> dict:
    return {
        "csrf_token": csrf,
        "client_uuid": str(uuid.uuid4()),
        "outcome": "talked",
        "people_reached": "2",
        "app_installs": "1",
        "realname_regs": "1",
        "miniprogram_regs": "0",
        "notice_signed": "y",
        "lat": "30.27412",
        "lon": "120.15513",
        "accuracy_m": "12",
    }


def api_visit(token: str) -> dict:
    """The same visit as submit_form, as JSON for /api/v1/visits (bench/submit.lua's api mode sends the same)."""
    form = submit_form(token, "")
    counts = ("people_reached", "app_installs", "realname_regs", "miniprogram_regs")
    numbers = {name: int(form[name]) for name in counts}
    numbers |= {name: float(form[name]) for name in ("lat", "lon", "accuracy_m")}
    return {"client_uuid": form["client_uuid"], "tag": token, "outcome": "talked", "notice_signed": True, **numbers}


def shorten(statement: str) -> str:
    """The verb, the table and the condition of a statement, without the column lists."""
    flat = " ".join(statement.split())
    head = flat.split(" (")[0] if flat.startswith("INSERT") else flat[:40]
    tail = flat[flat.find(" FROM ") :] if " FROM " in flat else ""
    return (head + (" …" + tail if tail else ""))[:220]


def print_by_package(stats: pstats.Stats, submits: int) -> None:
    """Own time (tottime) summed per library: which layer the milliseconds go to."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/fieldapp/" in filename or "/templates/" in filename:
            package = "fieldapp" if "/fieldapp/" in filename else "templates"
        elif filename.startswith("~") or filename.startswith("<"):
            package = "builtins"
        else:
            package = "stdlib " + Path(filename).name
        totals[package] = totals.get(package, 0) + tottime
    for package, seconds in sorted(totals.items(), key=lambda item: -item[1])[:20]:
        print(f"  {package:<40} {1000 * seconds / submits:6.2f} ms per submit (profiled)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sites", type=int, default=5_000)
    parser.add_argument("--submits", type=int, default=300)
    parser.add_argument("--path", choices=("html", "api"), default="html")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    from sqlalchemy import event, text

    from fieldapp import create_app
    from fieldapp.database import holds_write_lock
    from fieldapp.extensions import db

    with scratch_database(args.database, "profile") as url:
        made = generate(url, args.sites, 3 * args.sites, ending_yesterday=True)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False})
        volunteer = made["volunteers"][0]
        with app.app_context():
            doors = (
                db.session.execute(
                    text(
                        "SELECT t.token FROM tags t JOIN sites s ON s.id = t.site_id"
                        " JOIN areas b ON b.id = s.building_id"
                        " JOIN users u ON u.username = :user JOIN areas a ON a.id = u.area_id"
                        " WHERE b.path LIKE a.path || '%' ORDER BY t.id LIMIT 400"
                    ),
                    {"user": volunteer},
                )
                .scalars()
                .all()
            )
            statements: list[str] = []

            def note(conn, _cursor, statement, _parameters, context, _executemany):
                # W: under the write lock; C: compiled afresh (not from SQLAlchemy's statement cache)
                compiled_now = getattr(context, "cache_hit", None) not in (None, context.dialect.CACHE_HIT)
                flags = ("W" if holds_write_lock(conn) else " ") + ("C" if compiled_now else " ")
                statements.append(f"{flags} {statement}")

            event.listen(db.engine, "before_cursor_execute", note)
            started_at: dict[int, float] = {}
            spent: dict[str, list[float]] = {}  # wall ms in the driver, by statement (--show-sql)

            def start(conn, *_args):
                started_at[id(conn)] = time.perf_counter()

            def stop(conn, _cursor, statement, *_args):
                spent.setdefault(shorten(statement), []).append(1000 * (time.perf_counter() - started_at[id(conn)]))

            event.listen(db.engine, "before_cursor_execute", start)
            event.listen(db.engine, "after_cursor_execute", stop)
            db.session.remove()
        client = app.test_client()
        token = CSRF.search(client.get("/login").text).group(1)
        client.post("/login", data={"csrf_token": token, "username": volunteer, "password": BENCH_PASSWORD})
        csrf = CSRF.search(client.get(f"/h/{doors[0]}").text).group(1)
        headers = {"HX-Request": "true"}

        def post(door: str):
            if args.path == "api":
                return client.post("/api/v1/visits", json=api_visit(door), headers={"X-CSRFToken": csrf})
            return client.post(f"/h/{door}", data=submit_form(door, csrf), headers=headers)

        for door in doors[:20]:  # warm up: templates compiled, statements cached
            assert post(door).status_code in (200, 201)

        os.environ["DATABASE_URL"] = url
        from bench.baseline_app import app as baseline_app

        baseline = baseline_app.test_client()
        baseline.post("/baseline")
        with app.app_context():
            volunteer_id = db.session.scalar(text("SELECT id FROM users WHERE username = :name"), {"name": volunteer})
        doors, floor_doors = doors[:200], doors[200:]  # each its own: a first talk at a door writes one more row

        def floor(number: int) -> None:
            door = floor_doors[number % len(floor_doors)]
            response = baseline.post(f"/floor?user={volunteer_id}", json=api_visit(door))
            assert response.status_code == 201, response.status_code

        if args.path == "api":
            floor(0)

        def submit(number: int) -> None:
            response = post(doors[number % len(doors)])
            assert response.status_code in (200, 201), response.status_code

        # Rounds of ours and the baseline in turn, so that a busy neighbour slows both alike; medians reported.
        profiler = cProfile.Profile() if args.profile else None
        baseline_profiler = cProfile.Profile() if args.profile else None
        statements.clear()
        ours_ms, baseline_ms, floor_ms, per_round = [], [], [], max(1, args.submits // ROUNDS)
        for round_number in range(ROUNDS):
            cpu_started = time.process_time()
            if profiler:
                profiler.enable()
            for number in range(round_number * per_round, (round_number + 1) * per_round):
                submit(number)
            if profiler:
                profiler.disable()
            ours_ms.append(1000 * (time.process_time() - cpu_started) / per_round)
            cpu_started = time.process_time()
            if baseline_profiler:
                baseline_profiler.enable()
            for _number in range(per_round):
                baseline.post("/baseline")
            if baseline_profiler:
                baseline_profiler.disable()
            baseline_ms.append(1000 * (time.process_time() - cpu_started) / per_round)
            if args.path == "api":
                cpu_started = time.process_time()
                for number in range(round_number * per_round, (round_number + 1) * per_round):
                    floor(number + 1)
                floor_ms.append(1000 * (time.process_time() - cpu_started) / per_round)
        per_submit = len(statements) / (ROUNDS * per_round)  # the baseline has an engine of its own, not counted
        ours, base = statistics.median(ours_ms), statistics.median(baseline_ms)
        log(
            f"{args.database}, {args.path}: {ours:.1f} ms of CPU and {per_submit:.1f} statements per submit; baseline"
            f" (one ORM INSERT) {base:.1f} ms; ours / baseline {ours / base:.1f}x" + (" (profiled)" if profiler else "")
        )
        if floor_ms:
            lowest = statistics.median(floor_ms)
            log(
                f"  floor (the same statements through Core, bench/floor.py) {lowest:.1f} ms; floor / baseline"
                f" {lowest / base:.1f}x"
            )
        if args.show_sql:
            statements.clear()
            post(doors[1])
            print("  median ms in the driver (all submits) · statement of one submit")
            for statement in statements:
                times = spent.get(shorten(statement[3:]), [0.0])
                print(f"  {statistics.median(times):6.3f}  {shorten(statement)}")
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(args.profile)
            for name in filter(None, os.environ.get("PROFILE_CALLEES", "").split(",")):  # e.g. "record_visit"
                stats.print_callees(name)
            for name in filter(None, os.environ.get("PROFILE_CALLERS", "").split(",")):  # e.g. "local.py:310"
                stats.print_callers(name)
            print_by_package(stats, ROUNDS * per_round)
            # Python function calls: a measure of the work that a busy neighbour does not move (CPU ms do).
            calls, base_calls = stats.total_calls, pstats.Stats(baseline_profiler).total_calls
            per_call = ROUNDS * per_round
            log(
                f"{calls / per_call:,.0f} Python function calls per submit; baseline {base_calls / per_call:,.0f};"
                f" ours / baseline {calls / base_calls:.1f}x"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
