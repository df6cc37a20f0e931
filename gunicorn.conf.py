"""gunicorn's settings for `make run` and any `gunicorn wsgi:app` started here (gunicorn reads ./gunicorn.conf.py
by itself). Command-line flags override it, as bench/ does to compare worker kinds.

Threaded workers: a client that sends its request slowly (a phone on a weak signal, or someone doing it on
purpose, 1 byte a second) holds one thread, not a whole worker. With sync workers two such connections froze
all of `make run`'s 2 workers, `/healthz` included (issue 13). 2 workers x 8 threads measured as well as sync
on SQLite (bench/README.md). Many slow clients at once still need a reverse proxy that buffers request
bodies (nginx does by default) in front of a public server: README "Security".

It also refuses to start several workers whose rate limits would each count on their own (RATELIMIT_STORAGE_URI
memory://): see fieldapp.config.shared_limits_problem. FIELDAPP_ALLOW_MEMORY_LIMITS=1 (set by `make run`, a demo
on one machine) turns the refusal into a warning in the log.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WORKERS", "2"))
threads = int(os.environ.get("THREADS", "8"))

# Tells the app that this check ran (the app warns when gunicorn started it without this file).
os.environ["FIELDAPP_GUNICORN_CONF"] = __file__


def on_starting(server):
    from fieldapp.config import Config, shared_limits_problem

    problem = shared_limits_problem(server.cfg.workers, Config.RATELIMIT_STORAGE_URI)
    if problem is None:
        return
    if os.environ.get("FIELDAPP_ALLOW_MEMORY_LIMITS") == "1":
        server.log.warning("RATE LIMITS PER PROCESS (FIELDAPP_ALLOW_MEMORY_LIMITS=1, not for production): %s", problem)
        return
    server.log.critical("Refusing to start: %s", problem)
    raise RuntimeError(f"Refusing to start: {problem}")  # gunicorn prints it and exits with status 1


def post_worker_init(worker):
    """The files every page loads, compressed once as the worker starts, not in a phone's first request; then the
    app's own objects (modules, the app, ~180,000 of them) moved out of the garbage collector's sight."""
    import gc

    from fieldapp.offline.assets import SHELL_STATIC
    from fieldapp.static_files import precompress

    # Our app (wsgi:app), not another WSGI callable or Flask app served from here (bench/baseline_app.py).
    if "static_files" in getattr(worker.wsgi, "extensions", {}):
        precompress(worker.wsgi, (*SHELL_STATIC, "favicon.svg"))
    # They live as long as the worker: a full collection walking them all, set off by a page that reads a large
    # kept report, took 130-240 ms (a weekly report's p95 at 1M sites: 266 ms, frozen 110; bench/README.md).
    gc.freeze()
