"""gunicorn's settings for `make run` (and any `gunicorn wsgi:app` started here: gunicorn reads this file from
the current folder). Command-line flags override it, as bench/ does to compare worker kinds.

Threaded workers: a client that sends its request slowly (a phone on a weak signal, or someone doing it on
purpose, 1 byte a second) holds one thread, not a whole worker. With sync workers two such connections froze
all of `make run`'s 2 workers, `/healthz` included (issue 13). 2 workers x 8 threads measured as well as sync
on SQLite (bench/README.md). Many slow clients at once still need a reverse proxy that buffers request
bodies (nginx does by default) in front of a public server: README "Security".
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WORKERS", "2"))
threads = int(os.environ.get("THREADS", "8"))
