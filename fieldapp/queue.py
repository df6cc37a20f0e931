"""The task queue (Huey): where queued work waits, and the app a worker runs it in.

One queue for every host: RedisHuey when FIELDAPP_QUEUE_URL (or REDIS_URL) names a Redis server, so workers
on any number of hosts take from it; otherwise SqliteHuey in a file beside the database (instance/queue.sqlite,
or FIELDAPP_QUEUE_FILE), which needs no server and serves `make run` on one machine. FIELDAPP_QUEUE_IMMEDIATE=1
runs each task at once in the process that queues it (tests, a quick script).

The worker: `huey_consumer fieldapp.worker.huey` (the Makefile's run target starts one beside gunicorn).
Besides the queue, the store keeps each running job's progress and heartbeat (`beat`, `progress_of`): a job
writes its rows in one transaction, which on SQLite would block any write of progress to the database.
"""

import os
import threading
import time
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey

from fieldapp.config import INSTANCE_DIR

#: The queue's name in its store (FIELDAPP_QUEUE_NAME: two deployments sharing one Redis keep apart).
QUEUE_NAME = os.environ.get("FIELDAPP_QUEUE_NAME", "fieldapp")


def make_huey():
    url = os.environ.get("FIELDAPP_QUEUE_URL") or os.environ.get("REDIS_URL")
    immediate = os.environ.get("FIELDAPP_QUEUE_IMMEDIATE") == "1"
    if url:
        return RedisHuey(QUEUE_NAME, url=url, results=False, immediate=immediate)
    # The worker imports this before any create_app: its files are private too (create_app's umask).
    os.umask(0o077)
    INSTANCE_DIR.mkdir(exist_ok=True)
    filename = os.environ.get("FIELDAPP_QUEUE_FILE") or str(INSTANCE_DIR / "queue.sqlite")
    sqlite_huey = SqliteHuey(QUEUE_NAME, filename=filename, results=False, immediate=immediate)
    # Creating the tables opened a connection; gunicorn's --preload would hand it to every forked worker.
    sqlite_huey.storage.close()
    return sqlite_huey


huey = make_huey()
_worker_app: Flask | None = None


def worker_app() -> Flask:
    """The app a task runs in: the one already running it (immediate mode), else one built once per worker."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from fieldapp import create_app

        _worker_app = create_app()
    return _worker_app


def beat(job_id: str, done: int = 0, total: int = 0) -> None:
    """A running job's progress, and proof that its worker is alive (read by the page and the stale check)."""
    huey.put(f"job:{job_id}", {"done": done, "total": total, "at": time.time()})


def progress_of(job_id: str) -> dict | None:
    return huey.get(f"job:{job_id}", peek=True)


def last_heard(job_id: str) -> float | None:
    """When a running job's worker was last heard of: its last progress, or its keep-alive, whichever is later."""
    times = [(progress_of(job_id) or {}).get("at"), huey.get(f"alive:{job_id}", peek=True)]
    return max((moment for moment in times if moment is not None), default=None)


@contextmanager
def keep_alive(job_id: str, every: float):
    """While a job runs, say every `every` seconds that its worker lives: a phase with no progress to report (a
    roster's 60,000 rows checked again took 20 s under load) must not look like a dead worker and be run twice."""
    stop = threading.Event()

    def say_alive():
        while not stop.wait(every):
            huey.put(f"alive:{job_id}", time.time())

    thread = threading.Thread(target=say_alive, name=f"alive-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        huey.delete(f"alive:{job_id}")


def forget(job_id: str) -> None:
    huey.delete(f"job:{job_id}")
