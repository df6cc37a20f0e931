"""What the queue's worker loads: `huey_consumer fieldapp.worker.huey` (README "Deploying": one per host).

Importing the task modules registers their tasks with the queue; each task builds the app when it runs.
"""

import fieldapp.jobs  # noqa: F401  (run_job, look_after_jobs)
from fieldapp.queue import huey

__all__ = ["huey"]
