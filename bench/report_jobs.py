"""Publishing a district's weekly report and exporting its visits: in the request (the baseline) against through the
queue (what the request costs, then the worker's run), in one run on one generated district.

The district comes from bench/generate.py (SQLite, a temporary file; 100,000 sites and 500,000 visits, BENCH_SMOKE=1
2,000 and 10,000). The admin publishes through the page (Flask's test client, no network): once with the threshold
above the district (built in the request, as every area was before), once below (queued); the worker's run is the
task itself called in this process (`run_job.call_local`, what a worker does; tests/test_queue_worker.py runs a real
worker). The same for the export of every visit as CSV. Writes bench/results/report_jobs.json.

    .venv/bin/python bench/report_jobs.py
"""

import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["FIELDAPP_QUEUE_IMMEDIATE"] = "0"  # before fieldapp.queue is imported: queued work waits
os.environ.setdefault("FIELDAPP_QUEUE_FILE", f"{tempfile.mkdtemp(prefix='fieldapp-report-jobs-')}/queue.sqlite")

from bench.common import BENCH_PASSWORD, CSRF, RESULTS, SMOKE, log
from bench.generate import generate

SITES = 2_000 if SMOKE else 100_000
VISITS = 10_000 if SMOKE else 500_000


def timed(call) -> tuple[object, float]:
    start = time.perf_counter()
    result = call()
    return result, round(time.perf_counter() - start, 3)


def measure(database_url: str) -> dict:
    from sqlalchemy import delete, select

    from fieldapp import create_app
    from fieldapp import jobs as queue_jobs
    from fieldapp.extensions import db
    from fieldapp.models import Area, Job, WeeklyReport
    from fieldapp.periods import week_bounds
    from fieldapp.visits.clock import local_today

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
    app = create_app({**config, "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})  # plain http
    client = app.test_client()
    token = CSRF.search(client.get("/login").text).group(1)
    client.post("/login", data={"username": "admin", "password": BENCH_PASSWORD, "csrf_token": token})
    with app.app_context():
        district = db.session.scalar(select(Area).where(Area.level == "district"))
        district_id, households = district.id, district.resident_households
        week = week_bounds(local_today())[0] - timedelta(days=7)
    results = {"sites": SITES, "visits": VISITS, "resident_households": households}

    token = CSRF.search(client.get("/account/password").text).group(1)  # the session's token, fetched once (untimed)

    def publish() -> object:
        data = {"area": district_id, "week": week.isoformat(), "comment": "", "csrf_token": token}
        return client.post("/reports/weekly/publish", data=data)

    def unpublish() -> None:
        with app.app_context():
            db.session.execute(delete(WeeklyReport))
            db.session.execute(delete(Job))
            db.session.commit()

    def last_job() -> str:
        with app.app_context():
            return db.session.scalar(select(Job.id).order_by(Job.created_at.desc()))

    def run_worker(job_id: str) -> str:
        with app.app_context():
            queue_jobs.run_job.call_local(job_id)
            return db.session.get(Job, job_id).status

    def publish_in_request() -> float:
        app.config["PUBLISH_BACKGROUND_HOUSEHOLDS"] = households + 1  # the district is "small": built in the request
        answer, seconds = timed(publish)
        assert answer.status_code == 303 and "/reports/weekly" in answer.headers["Location"], answer.status_code
        unpublish()
        return seconds

    def publish_queued() -> tuple[float, float]:
        app.config["PUBLISH_BACKGROUND_HOUSEHOLDS"] = 0
        answer, request_s = timed(publish)
        assert "/reports/jobs/" in answer.headers["Location"], answer.headers["Location"]
        status, worker_s = timed(lambda: run_worker(last_job()))
        assert status == "done", status
        unpublish()
        return request_s, worker_s

    url = f"/reports/visits.csv?area={district_id}&from=2000-01-01"

    def export_in_request() -> float:
        app.config["EXPORT_BACKGROUND_ROWS"] = VISITS * 10
        body, seconds = timed(lambda: client.get(url).data)  # the whole streamed body read
        results["export_rows"] = body.count(b"\n") - 1
        return seconds

    def export_queued() -> tuple[float, float, float]:
        app.config["EXPORT_BACKGROUND_ROWS"] = 0
        answer, request_s = timed(lambda: client.get(url))
        job_id = answer.headers["Location"].rsplit("/", 1)[1]
        status, worker_s = timed(lambda: run_worker(job_id))
        assert status == "done", status
        with app.app_context():
            name = db.session.get(Job, job_id).filename
        body, download_s = timed(lambda: client.get(f"/reports/jobs/{job_id}/{name}").data)
        assert body.count(b"\n") - 1 == results["export_rows"]
        results["export_mb"] = round(len(body) / 1e6, 1)
        unpublish()  # (the job: the next export is made again, not handed out again)
        return request_s, worker_s, download_s

    client.get(f"/reports/weekly?area={district_id}&week={week}")  # warm-up: code, templates, the database's cache
    # A, B, B, A: a trend on the shared machine weighs on both alike.
    for name, in_request, queued in (
        ("publish", publish_in_request, publish_queued),
        ("export_csv", export_in_request, export_queued),
    ):
        first, second, third, fourth = in_request(), queued(), queued(), in_request()
        results[name] = {
            "in_request_s": [first, fourth],
            "queued_request_s": [second[0], third[0]],
            "worker_s": [second[1], third[1]],
            **({"download_s": [second[2], third[2]]} if len(second) > 2 else {}),
        }
        log(f"{name}: {results[name]}")
    return results


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="fieldapp-report-jobs-") as folder:
        database_url = f"sqlite:///{folder}/bench.sqlite"
        log(f"generating {SITES:,} sites and {VISITS:,} visits")
        made = generate(database_url, SITES, VISITS)
        log(f"generated in {made['seconds']} s")
        results = measure(database_url)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "report_jobs.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
