"""What the queue's worker loads: `huey_consumer fieldapp.worker.huey` (README "Deploying": one per host).

Importing the task modules registers their tasks with the queue; each task builds the app when it runs.
"""

import fieldapp.jobs
import fieldapp.reports.weekly_cache  # (large areas' drafts of this week, built again)
import fieldapp.schedule  # noqa: F401  (the nightly retention purge and spot-check draw)
from fieldapp.queue import huey

__all__ = ["huey"]
