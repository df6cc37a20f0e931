"""Work on the queue, from outside: what the request that queues a job costs, and how long a real worker
(`huey_consumer fieldapp.worker.huey`, a process of its own, as `make run` starts it) takes from queued to done:
a 100,000-row roster import and a 1,000-label sheet; then a worker killed with -9 mid-import and the job
finished by a new worker (rows counted once).

Temporary SQLite database and SQLite queue file (the embedded default). BENCH_SMOKE=1 runs tiny sizes.
Writes bench/results/queue_jobs.json.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FOLDER = tempfile.mkdtemp(prefix="fieldapp-queue-bench-")
os.environ["FIELDAPP_QUEUE_FILE"] = f"{FOLDER}/queue.sqlite"  # before fieldapp.queue is imported
os.environ["FIELDAPP_QUEUE_IMMEDIATE"] = "0"
DATABASE = f"sqlite:///{FOLDER}/bench.sqlite"

from flask_migrate import upgrade
from sqlalchemy import func, select

from bench import common
from bench.import_and_labels import roster_csv
from fieldapp import create_app, queue
from fieldapp import jobs as queue_jobs
from fieldapp.admin.services import create_user
from fieldapp.areas.services import add_area
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Job, Site
from fieldapp.roster import jobs as roster_jobs
from fieldapp.tags.jobs import KIND as LABELS
from fieldapp.tags.sheet import Label

SMOKE = os.environ.get("BENCH_SMOKE") == "1"
ROWS = 3_000 if SMOKE else 100_000
LABEL_COUNT = 48 if SMOKE else 1_000


def start_worker(log) -> subprocess.Popen:
    return common.start_worker({**os.environ, "DATABASE_URL": DATABASE, "SECRET_KEY": "bench"}, Path(log.name))


def fresh(job_id: str) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id)


def wait_done(job_id: str, seconds: float = 600) -> float:
    start, deadline = time.perf_counter(), time.monotonic() + seconds
    while fresh(job_id).status not in ("done", "failed"):
        assert time.monotonic() < deadline, "the worker did not finish"
        time.sleep(0.05)
    assert fresh(job_id).status == "done", fresh(job_id).summary
    return time.perf_counter() - start


def timed_enqueue(job: Job) -> tuple[str, float]:
    start = time.perf_counter()
    queue_jobs.enqueue(job)
    return job.id, (time.perf_counter() - start) * 1000


def measure(log, workers: list, results: dict) -> None:
    upgrade(directory=str(ROOT / "migrations"))
    district = add_area(None, "district", "临江区")
    community = add_area(add_area(district, "station", "城关派出所"), "community", "东门社区")
    user = create_user("bench-admin", "bench-password-1", "管理员", "admin", district)
    db.session.commit()
    data = roster_csv(ROWS)
    worker = start_worker(log)
    workers.append(worker)
    time.sleep(3)  # the worker's start (imports, app) is not the job's time

    job_id = roster_jobs.create_job(user, district, "bench.csv", data)
    job_id, queue_ms = timed_enqueue(db.session.get(Job, job_id))
    seconds = wait_done(job_id)
    assert db.session.scalar(select(func.count(Site.id))) == ROWS
    results["import"] = {"rows": ROWS, "enqueue_ms": round(queue_ms, 1), "queued_to_done_s": round(seconds, 2)}

    address = ["东门社区 第1网格", "3号楼"]
    labels = [
        {"url": f"https://fz.example.cn/h/{n:016d}", "short_code": "K7MX2P9Q", "address": address,
         "door": f"2单元 {n % 30 + 1}0{n % 4 + 1}"}
        for n in range(LABEL_COUNT)
    ]  # fmt: skip
    assert Label(**labels[0])
    params = {"labels": labels, "what": "doors", "format": "pdf", "title": community.name}
    job = queue_jobs.new_job(LABELS, user.id, community.id, filename="t.pdf", params=params, total=LABEL_COUNT)
    job_id, queue_ms = timed_enqueue(job)
    seconds = wait_done(job_id)
    size = len(fresh(job_id).result)
    results["labels"] = {
        "labels": LABEL_COUNT,
        "enqueue_ms": round(queue_ms, 1),
        "queued_to_done_s": round(seconds, 2),
        "pdf_bytes": size,
    }

    # A worker killed mid-import: another district's file (new buildings again), a new worker finishes it.
    other = add_area(None, "district", "江北区")
    add_area(add_area(other, "station", "城关派出所"), "community", "东门社区")
    other_admin = create_user("bench-admin-2", "bench-password-1", "管理员", "admin", other)
    db.session.commit()
    killed_rows = max(ROWS, 12_000)  # seconds of writing: time to see the first 1,000 rows and kill
    job_id = roster_jobs.create_job(other_admin, other, "again.csv", roster_csv(killed_rows))
    queue_jobs.enqueue(db.session.get(Job, job_id))
    deadline = time.monotonic() + 600
    while not (queue.progress_of(job_id) or {}).get("done"):
        assert time.monotonic() < deadline and fresh(job_id).status in ("queued", "running"), fresh(job_id).summary
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert fresh(job_id).status == "running" and db.session.scalar(select(func.count(Site.id))) == ROWS
    worker = start_worker(log)
    workers.append(worker)
    time.sleep(3)
    start = time.perf_counter()
    assert queue_jobs.requeue_stale(now=utcnow() + timedelta(seconds=queue_jobs.STALE_SECONDS + 1)) == 1
    wait_done(job_id)
    seconds = time.perf_counter() - start  # from the requeue
    job = fresh(job_id)
    assert db.session.scalar(select(func.count(Site.id))) == ROWS + killed_rows and job.attempts == 2
    results["killed_import"] = {"rows": killed_rows, "attempts": job.attempts, "requeued_to_done_s": round(seconds, 2)}
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)


def main() -> None:
    results = {}
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"})
    workers: list[subprocess.Popen] = []
    with open(f"{FOLDER}/worker.log", "ab") as log, app.app_context():
        try:
            measure(log, workers, results)
        finally:
            for worker in workers:  # none left behind, whatever happened
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()

    imp, lab, kill = results["import"], results["labels"], results["killed_import"]
    print(
        f"import  {imp['rows']:>7,} rows   queued in {imp['enqueue_ms']:.1f} ms, done {imp['queued_to_done_s']:.2f} s"
    )
    print(
        f"labels  {lab['labels']:>7,} labels queued in {lab['enqueue_ms']:.1f} ms, done {lab['queued_to_done_s']:.2f} s"
    )
    print(f"killed  {kill['rows']:>7,} rows    killed mid-import; queued again, done in {kill['requeued_to_done_s']} s")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "queue_jobs.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
