"""Submit load: phones recording visits through a real gunicorn on loopback, against a one-INSERT baseline.

For each database: generate a district (bench/generate.py) of 20,000 doors with 500 volunteers, each on about 40
doors of their own, start gunicorn, log each volunteer's phone in over HTTP (POST /login with the CSRF token of the
login page, as a browser does; once per database, the signed session cookie outlives the server), read each phone's
CSRF token off a real door page, then let wrk (Debian's, with bench/submit.lua) keep 50 connections posting visits,
the volunteers taking turns (request n is volunteer n mod 500's, on their next door), each with a fresh client_uuid,
by both paths a phone records through: the door page's form, htmx style (POST /h/<token>, "html"), and the JSON API
as the phone's outbox sends it (POST /api/v1/visits with the session cookie and the X-CSRFToken header, "api").
Nothing in the app is switched off: CSRF, login and every rule run; only the login rate limit is raised by
configuration, because five hundred phones log in from one address here.

First a short sweep of gunicorn settings (our app, html path), then the winner for the full duration on
each path, and in the same run the baseline (bench/baseline_app.py, one ORM INSERT per request) on the
same database and the same gunicorn settings. Reported: requests/s, p50/p95/p99, errors, visits stored.

Why 500 volunteers for 50 connections: a submit's trust evidence reads the volunteer's day, so its cost grows with
the visits a volunteer recorded today. Until 2026-12-03 each connection was one volunteer, who then recorded several
hundred visits "today" within minutes (a real one records tens a day; the brief flags 40 in ten minutes as suspect), and
whose history (25 volunteers, 2,000 visits a day) led PostgreSQL to read the whole district's day. Now a run of
the bench leaves each volunteer tens of visits, as a day in the field does. BENCH_SUBMIT_VOLUNTEERS=50 gives one
volunteer per connection again, each with a history of their own (not the old bench's 16 with a history and 34
without; bench/README.md, "2026-12-03, late night").
BENCH_SUBMIT_SERVER="gthread 2 8" skips the sweep; BENCH_SUBMIT_SECONDS sets the duration.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, SMOKE, Phone, Server, databases, log, scratch_database
from bench.generate import busy_today, generate

CLIENTS = 50
DURATION = int(os.environ.get("BENCH_SUBMIT_SECONDS", 3 if SMOKE else 60))
#: "worker-class workers threads" to use without a sweep, e.g. "gthread 2 8".
FIXED_SERVER = os.environ.get("BENCH_SUBMIT_SERVER", "")
SWEEP_DURATION = 0 if SMOKE or FIXED_SERVER else 12
SITES = 2_000 if SMOKE else 20_000
#: The volunteers whose phones the connections' requests take turns at (one phone each, logged in once).
VOLUNTEERS = 10 if SMOKE else int(os.environ.get("BENCH_SUBMIT_VOLUNTEERS", "500"))
DOORS_PER_VOLUNTEER = max(1, SITES // VOLUNTEERS)
#: (worker class, workers, threads) tried on each database; the smoke run tries only the first.
CONFIGS = [("sync", 5, 1), ("sync", 3, 1), ("gthread", 2, 8)]
#: The paths a visit is recorded by, as submit.lua names them: the door page's form (htmx) and the JSON API.
PATHS = {"html": "submit", "api": "api"}
RESULT = re.compile(r"^BENCH (\{.*\})$", re.MULTILINE)


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing: `make bench` installs Debian's wrk (apt-get install wrk).")
    return found


def count_rows(database_url: str, table: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return count


def add_volunteers(database_url: str, wanted: int) -> None:
    """Top the generated volunteers up to `wanted` accounts, spread over the stations (one phone, one person)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as connection:
        volunteers = connection.execute(text("SELECT * FROM users WHERE role = 'volunteer' ORDER BY id")).mappings()
        volunteers = [dict(row) for row in volunteers]
        for number in range(len(volunteers), wanted):
            row = {**volunteers[number % len(volunteers)], "username": f"extra{number}", "display_name": f"加{number}"}
            row.pop("id")
            columns = ", ".join(row)
            connection.execute(text(f"INSERT INTO users ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row)
    engine.dispose()


def doors_of_volunteers(database_url: str, runs: int, per_run: int) -> dict[str, list[list[str]]]:
    """For each volunteer, `runs` disjoint lists of up to `per_run` doors in their station (anything else answers
    404; no two volunteers share a door)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        people = connection.execute(
            text(
                "SELECT u.username, a.path FROM users u JOIN areas a ON a.id = u.area_id"
                " WHERE u.role = 'volunteer' ORDER BY u.id"
            )
        ).all()
        by_station: dict[str, list[str]] = {}
        for username, path in people:
            by_station.setdefault(path, []).append(username)
        doors = {}
        for path, usernames in by_station.items():
            tokens = (
                connection.execute(
                    text(
                        "SELECT t.token FROM tags t JOIN sites s ON s.id = t.site_id"
                        " JOIN areas b ON b.id = s.building_id WHERE b.path LIKE :prefix ORDER BY t.id"
                    ),
                    {"prefix": path + "%"},
                )
                .scalars()
                .all()
            )
            share = len(tokens) // len(usernames)
            for index, username in enumerate(usernames):
                own = tokens[index * share : (index + 1) * share]
                per_run = max(1, len(own) // runs)
                doors[username] = [own[run * per_run : (run + 1) * per_run][:per_run] for run in range(runs)]
    engine.dispose()
    return doors


def district(url: str) -> dict[str, list[str]]:
    """Generate the bench's district into the empty database at `url`: each volunteer's own doors, by username.
    BENCH_BUSY_TODAY=1 (PostgreSQL): today already holds the last seven days' visits again (generate.busy_today)."""
    generate(url, SITES, 3 * SITES, ending_yesterday=True, doors_per_volunteer=DOORS_PER_VOLUNTEER)
    if os.environ.get("BENCH_BUSY_TODAY") == "1" and url.startswith("postgresql"):
        log(f"  today: {busy_today(url):,} visits copied from the last seven days, not ANALYZEd")
    add_volunteers(url, VOLUNTEERS)
    runs = doors_of_volunteers(url, 1, DOORS_PER_VOLUNTEER)
    return {name: runs[name][0] for name in sorted(runs)[:VOLUNTEERS]}


#: Phones logged in, by database: a signed session cookie stays good for the next server on the same database.
_logged_in: dict[str, list[dict]] = {}


def log_in_phones(base: str, url: str, doors: dict[str, list[str]]) -> list[dict]:
    """One phone per volunteer, as in the field, each on its own doors; logged in once per database."""
    if url not in _logged_in:
        with ThreadPoolExecutor(8) as pool:  # the password hash is the slow part: both cores of the server work
            _logged_in[url] = list(pool.map(lambda name: log_in_phone(base, name, doors[name]), sorted(doors)))
    return _logged_in[url]


def log_in_phone(base: str, username: str, doors: list[str]) -> dict:
    phone = Phone(base)
    phone.login(username)
    token = phone.csrf(f"/h/{doors[0]}")
    return {
        "cookie": phone.cookie_header(),
        "csrf": urllib.parse.quote(token, safe=""),
        "csrf_header": token,
        "doors": doors,
    }


def lua_table(sessions: list[dict]) -> str:
    def quoted(value: str) -> str:
        assert '"' not in value and "\\" not in value
        return f'"{value}"'

    rows = [
        f"  {{cookie = {quoted(s['cookie'])}, csrf = {quoted(s['csrf'])}, user = {quoted(s.get('user', ''))},"
        f" csrf_header = {quoted(s.get('csrf_header', s['csrf']))}, doors = {{"
        + ", ".join(quoted(door) for door in s["doors"])
        + "}},"
        for s in sessions
    ]
    return "return {\n" + "\n".join(rows) + "\n}\n"


def run_wrk(base: str, sessions_file: Path, seconds: int, mode: str) -> dict:
    command = [
        wrk_binary(),
        "--threads=1",  # one wrk thread is plenty for loopback; the other core goes to the server
        f"--connections={CLIENTS}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--script",
        str(ROOT / "bench" / "submit.lua"),
        base,
        "--",
        mode,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, env={"BENCH_SESSIONS": str(sessions_file)}
    ).stdout
    raw = json.loads(RESULT.search(output).group(1))
    seconds_run = raw["duration_us"] / 1e6
    errors = {name: raw[name] for name in ("connect", "read", "write", "status", "timeout") if raw[name]}
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "seconds": round(seconds_run, 1),
    }


def measure_app(url: str, config: tuple, doors: dict, seconds: int, folder: Path, mode: str = "submit") -> dict:
    worker_class, workers, threads = config
    with Server("wsgi:app", url, worker_class, workers, threads) as server:
        sessions_file = folder / "sessions.lua"
        sessions_file.write_text(lua_table(log_in_phones(server.base, url, doors)))
        before = count_rows(url, "visits")
        result = run_wrk(server.base, sessions_file, seconds, mode)
    result["visits_stored"] = count_rows(url, "visits") - before
    return result


def measure_baseline(database_url: str, config: tuple, seconds: int, folder: Path) -> dict:
    worker_class, workers, threads = config
    with Server("bench.baseline_app:app", database_url, worker_class, workers, threads) as server:
        sessions_file = folder / "baseline.lua"
        sessions_file.write_text(lua_table([{"cookie": "none=1", "csrf": "none", "doors": ["none"]}]))
        before = count_rows(database_url, "audit_events")
        result = run_wrk(server.base, sessions_file, seconds, "baseline")
    result["rows_stored"] = count_rows(database_url, "audit_events") - before
    return result


def measure_floor(database_url: str, config: tuple, doors: dict, seconds: int, folder: Path, mode="floor") -> dict:
    """The API path's statements alone through Core (bench/floor.py), each phone as its volunteer on its doors;
    mode floor_merged: the same in five statements (PostgreSQL); floor_bare: without the trust evidence."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        ids = dict(connection.execute(text("SELECT username, id FROM users")).all())
    engine.dispose()
    # The same phones as log_in_phones: the same volunteers, on the same doors.
    sessions = [
        {"cookie": "none=1", "csrf": "none", "user": str(ids[name]), "doors": doors[name]} for name in sorted(doors)
    ]
    worker_class, workers, threads = config
    with Server("bench.baseline_app:app", database_url, worker_class, workers, threads) as server:
        sessions_file = folder / "floor.lua"
        sessions_file.write_text(lua_table(sessions))
        before = count_rows(database_url, "visits")
        result = run_wrk(server.base, sessions_file, seconds, mode)
    result["visits_stored"] = count_rows(database_url, "visits") - before
    return result


def label(config: tuple) -> str:
    worker_class, workers, threads = config
    return f"{worker_class} {workers}w" + (f"×{threads}t" if threads > 1 else "")


def run() -> dict:
    results = {"clients": CLIENTS, "duration_s": DURATION, "sites": SITES, "volunteers": VOLUNTEERS, "databases": {}}
    for kind in databases():
        with scratch_database(kind, "load") as url, tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            log(f"submit load on {kind}: generating {SITES:,} sites, {VOLUNTEERS} volunteers")
            doors = district(url)
            sweep = {}
            if FIXED_SERVER:
                worker_class, workers, threads = FIXED_SERVER.split()
                chosen = (worker_class, int(workers), int(threads))
            elif SWEEP_DURATION:
                for config in CONFIGS:
                    sweep[label(config)] = measure_app(url, config, doors, SWEEP_DURATION, folder)
                    log(f"  sweep {label(config)}: {summary(sweep[label(config)])}")
                clean = {name: r for name, r in sweep.items() if r["errors"] == 0} or sweep
                chosen_label = max(clean, key=lambda name: clean[name]["rps"])
                chosen = next(config for config in CONFIGS if label(config) == chosen_label)
            else:
                chosen = CONFIGS[0]
            paths = {}
            for path, mode in PATHS.items():
                paths[path] = measure_app(url, chosen, doors, DURATION, folder, mode)
                log(f"  ours {path} {label(chosen)}: {summary(paths[path])}")
            paths["api floor"] = measure_floor(url, chosen, doors, DURATION, folder)
            log(f"  floor (api statements through Core) {label(chosen)}: {summary(paths['api floor'])}")
            if kind == "postgresql":
                paths["api floor, merged"] = measure_floor(url, chosen, doors, DURATION, folder, "floor_merged")
                log(f"  floor in five statements {label(chosen)}: {summary(paths['api floor, merged'])}")
            baseline = measure_baseline(url, chosen, DURATION, folder)
            log(f"  baseline {label(chosen)}: {summary(baseline)}")
            for path, result in paths.items():
                if SMOKE and (result["errors"] or not result["visits_stored"]):  # make test: a path that errs fails
                    raise SystemExit(f"{kind} {path}: {result['errors']} errors, {result['visits_stored']} stored")
                result["throughput_ratio"] = round(result["rps"] / baseline["rps"], 3) if baseline["rps"] else None
                result["p95_ratio"] = round(result["p95_ms"] / baseline["p95_ms"], 2) if baseline["p95_ms"] else None
            results["databases"][kind] = {
                "server": label(chosen),
                "sweep": sweep,
                "paths": paths,
                "baseline": baseline,
            }
            log("  ours / baseline throughput: " + ", ".join(f"{p} {r['throughput_ratio']}" for p, r in paths.items()))
    return results


def summary(result: dict) -> str:
    return (
        f"{result['rps']} req/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms,"
        f" p99 {result['p99_ms']} ms, {result['errors']} errors {result['error_kinds'] or ''}"
    )


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
