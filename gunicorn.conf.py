"""gunicorn reads this file by itself when started from the repository (its default ./gunicorn.conf.py).

It refuses to start several workers whose rate limits would each count on their own (RATELIMIT_STORAGE_URI
memory://): see fieldapp.config.shared_limits_problem. FIELDAPP_ALLOW_MEMORY_LIMITS=1 (set by `make run`,
a demo on one machine) turns the refusal into a warning in the log.
"""

import os

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
