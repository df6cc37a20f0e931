"""Visit exports at scale: a district's visits as XLSX and CSV, time and peak memory at ~100k and 1M rows.

For each database a district of 200,000 sites and 1,000,000 visits over 30 days is generated
(bench/generate.py; smoke: 2,000 and 10,000), then the admin downloads /reports/visits.xlsx and
/reports/visits.csv through the app (Flask test client, logged in with a real POST /login, the
streamed body read chunk by chunk as a browser would): first the last days holding about a tenth of
the visits, then all of them. Each download runs in a fresh process whose resident memory is sampled
at every chunk it receives; "flat memory" means that peak does not grow with the rows. The baseline
in the same process is the same app idle (logged in, nothing exported yet).

Goal (benchmark issue): XLSX export of 1M visits streams in under 2 minutes with flat memory.
"""

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BIN, ROOT, SECRET_KEY, SMOKE, databases, log, scratch_database
from bench.generate import generate

SITES, VISITS = (1_000, 5_000) if SMOKE else (200_000, 1_000_000)
#: The smaller export: the last days holding at least this share of the visits.
SMALL_SHARE = 0.1
FORMATS = ("xlsx", "csv")


def rss_mb() -> float:
    """Resident memory of this process now, in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def measure(database_url: str, kind: str, first_day: str, last_day: str) -> dict:
    """One download in this (fresh) process: seconds, seconds to the first byte, bytes, memory."""
    from bench.scale_curve import logged_in
    from fieldapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False})
    client = logged_in(app, "admin")
    idle = rss_mb()
    started = time.perf_counter()
    response = client.get(f"/reports/visits.{kind}?area=1&from={first_day}&to={last_day}", buffered=False)
    assert response.status_code == 200, response.status_code
    first_byte, size, chunks, peak = None, 0, 0, idle
    for chunk in response.response:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        chunks += 1
        peak = max(peak, rss_mb())
    response.close()
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 1),
        "first_byte_s": round(first_byte or seconds, 2),
        "mb": round(size / 2**20, 1),
        "chunks": chunks,
        "idle_rss_mb": round(idle, 1),
        "peak_rss_mb": round(peak, 1),
    }


def day_ranges(database_url: str) -> list[tuple[str, str, int]]:
    """(first day, last day, visits) for the small export (the last days, ~SMALL_SHARE) and for all."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        per_day = connection.execute(text("SELECT day, count(*) FROM visits GROUP BY day ORDER BY day DESC")).all()
    engine.dispose()
    days = [(str(day)[:10], count) for day, count in per_day]
    total, taken, first_day = sum(count for _day, count in days), 0, days[0][0]
    for day, count in days:
        taken, first_day = taken + count, day
        if taken >= SMALL_SHARE * total:
            break
    return [(first_day, days[0][0], taken), (days[-1][0], days[0][0], total)]


def run() -> dict:
    results = {"sites": SITES, "visits": VISITS, "databases": {}}
    for kind in databases():
        with scratch_database(kind, "export") as url:
            log(f"export on {kind}: generating {SITES:,} sites, {VISITS:,} visits")
            made = generate(url, SITES, VISITS)
            entries = []
            for first_day, last_day, rows in day_ranges(url):
                for file_format in FORMATS:
                    output = subprocess.run(
                        [str(BIN / "python"), __file__, "--measure", url, file_format, first_day, last_day],
                        capture_output=True,
                        text=True,
                        check=True,
                        cwd=ROOT,
                    ).stdout
                    entry = {"format": file_format, "rows": rows, **json.loads(output.strip().splitlines()[-1])}
                    entry["rows_per_s"] = round(rows / entry["seconds"]) if entry["seconds"] else None
                    entries.append(entry)
                    log(
                        f"  {file_format} {rows:>9,} rows: {entry['seconds']} s (first byte {entry['first_byte_s']} s),"
                        f" {entry['mb']} MB, peak RSS {entry['peak_rss_mb']} MB (idle {entry['idle_rss_mb']} MB)"
                    )
            results["databases"][kind] = {"generate_s": made["seconds"], "exports": entries}
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps(measure(*sys.argv[2:6])))
    else:
        print(json.dumps(run(), indent=2))
