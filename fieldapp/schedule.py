"""Scheduled work, run by the queue's workers (Huey periodic tasks): what an operator would otherwise put in cron.

The scheduler runs on UTC: 19:17 UTC is 03:17 in China. Each worker host's scheduler queues these; each is safe to
run twice (a purge finds nothing left, a week's spot checks are drawn once per station and refused after, a late
warning is stamped once). FIELDAPP_SCHEDULE names the ones to run, default "purge,overdue" (the retention rule,
and warnings newly late stamped every five minutes); "purge,overdue,spot_checks" adds the weekly draw, which is
off by default because a round drawn by the schedule takes the place of the one a supervisor would draw on the
page with their own choices. "" runs none (an operator keeping cron and the commands instead).
"""

import os
from datetime import timedelta

from flask import current_app
from huey import crontab

from fieldapp import queue
from fieldapp.extensions import db
from fieldapp.queue import huey

SCHEDULED = {name.strip() for name in os.environ.get("FIELDAPP_SCHEDULE", "purge,overdue").split(",")}


def when(name: str, **cron):
    """The crontab, or never when `name` is not scheduled."""
    return crontab(**cron) if name in SCHEDULED else (lambda _moment: False)


@huey.periodic_task(when("purge", minute="17", hour="19"))
def purge_personal_data_daily() -> None:
    """`flask purge-personal-data`, every night: GPS fixes and notes older than FIELDAPP_RETENTION_DAYS."""
    from fieldapp.retention import purge_personal_data

    with queue.worker_app().app_context():
        purged = purge_personal_data(current_app.config["RETENTION_DAYS"])
        db.session.commit()
        current_app.logger.info("retention: cleared %d GPS fixes and %d notes", purged.gps, purged.notes)


@huey.periodic_task(when("spot_checks", minute="37", hour="18"))
def draw_last_weeks_spot_checks() -> None:
    """`flask draw-spot-checks`, every night at 02:37 in China: last week's draw for each station not drawn yet
    (the first night of a week draws it; later nights are refused for stations already drawn, and say so)."""
    from fieldapp.spotchecks.cli import draw_every_station
    from fieldapp.visits.clock import local_today

    with queue.worker_app().app_context():
        for line in draw_every_station(local_today() - timedelta(days=7)) or []:
            current_app.logger.info("spot checks: %s", line)


@huey.periodic_task(when("overdue", minute="*/5"))
def stamp_late_warnings() -> None:
    """Every five minutes: warnings newly past a deadline with the step undone, stamped, audited and logged once."""
    from fieldapp.warnings.overdue import stamp_late

    with queue.worker_app().app_context():
        late = stamp_late()
        db.session.commit()
        for warning in late:
            current_app.logger.info("warnings: %s is late (area %d)", warning.external_id, warning.area_id)
