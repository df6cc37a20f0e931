"""Past weeks' reports kept as built (WeeklyReportCache): a district's week reads every grid's rollups (3 s at a
million sites), and a week that is over changes only when something it counts changes late.

What makes a kept report stale, and how it is noticed:
- a visit recorded, undone, corrected, rejected or un-rejected for a day the week counts (its own days, or earlier
  days of the campaign for "to date"): the rollups' one write path (visits/counting.bump_tallies) drops the rows of
  every week counting that day, in the same transaction;
- any other audited edit (a site, an area renamed or moved, a target, a campaign, a team, an event...): the row
  keeps the newest audit event's id when its build began, and is used only while nothing but UNCOUNTED_ACTIONS
  came after it;
- warnings: never kept. Whether one is late moves with the clock, so their figures are read again on every use (and
  a step on a warning is an edit that leaves the kept figures as they are).

This week's report (a draft until published) is built on every request for an area of up to DRAFT_KEEP_HOUSEHOLDS
resident households. A larger area's draft is kept as built, "as of" its build's start (the page says when): older
than DRAFT_KEEP_MINUTES, it is still shown while the queue's worker builds it again; older than three times that (no
worker running?), or after an audited edit, it is built in the request. Visits of this week never drop it: they
are what the time on the page stands for. A draft kept before its week ended is never used once the week is over.
A published report stays frozen.
"""

import time
from datetime import date, timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from fieldapp import queue
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Area, AuditEvent, Setting, WeeklyReportCache
from fieldapp.models.reports import LATE_CHANGE
from fieldapp.reports.weekly import build_weekly, report_week, week_bounds
from fieldapp.reports.weekly_outreach import warning_part
from fieldapp.reports.weekly_rankings import ranked_levels
from fieldapp.visits.clock import local_day_start, local_today

#: Audited actions after which a kept report still holds: reads and downloads, sign-in matters, tags, and the visit
#: edits whose every effect on a count goes through the rollups (dropped there, by day).
UNCOUNTED_ACTIONS = (
    "api_token.revoke",
    "backcheck.case_file",
    "outbox.import",
    "report.export",
    "report.publish",
    "roster.export",
    "site.personal_export",
    "site.phone_read",
    "spot_check.assign",
    "tag.reprint",
    "tags.mint",
    "tags.mint_blank",
    "tags.print",
    "unvisited.export",
    "user.password_change",
    "user.reset_link_used",
    "visit.correct",
    "visit.purge_personal_data",
    "visit.review",
    "visit.review_seen",
    "visit.undo",
    "visits.export",
    "visits.export_request",
    # Warnings are read again on every use of a kept report (warning_part).
    "warning.correct",
    "warning.create",
    "warning.late",
    "warning.restore",
    "warning.route",
    "warning.withdraw",
)


#: A ranked table on the page stops after this many rows (a district has thousands of grids); the files have them all.
SHOWN_ROWS = 50
#: "Update now" builds a draft again only once it is this old: a district's build is seconds of a worker's time, and
#: a draft this fresh differs from a new one by the visits of a minute.
UPDATE_NOW_AFTER = timedelta(minutes=1)


def weekly_data(area: Area, week_start: date, whole: bool = True) -> dict:
    """What the files (`whole`) or the page show for a week not published: a week that is over from its kept build
    (built and kept now if there is none, or it is stale), with its warnings read now; this week built as it
    stands, or for a large area its draft as kept (with "as_of", when that build began). The page's kept form has
    only the rows the page shows of each ranked table, and their "row_count"."""
    week_end = week_bounds(week_start)[1]
    over = week_end < local_today()
    if not over and not keeps_draft(area):
        return build_weekly(area, week_start)
    kept = db.session.get(WeeklyReportCache, (area.id, week_start))
    if kept is not None and _usable(kept, week_end, over):
        data = _with_warnings(area, week_start, kept.data if whole else kept.page, lambda: _levels_from(kept.levels))
        if over:
            return data
        if utcnow() - kept.built_at > _draft_age():
            _queue_refresh(area.id, week_start)  # shown as it was kept meanwhile
        return {**data, "as_of": kept.built_at}
    started, data = build_and_keep(area, week_start)
    return data if over else {**data, "as_of": started}


def keeps_draft(area: Area) -> bool:
    return area.resident_households > current_app.config["DRAFT_KEEP_HOUSEHOLDS"]


def _draft_age() -> timedelta:
    return timedelta(minutes=current_app.config["DRAFT_KEEP_MINUTES"])


def _usable(kept: WeeklyReportCache, week_end: date, over: bool) -> bool:
    """Whether a kept build may be shown: nothing counted was edited since, and a week that is over was built after
    it ended (a draft kept on its last evening misses the visits of its last minutes); a draft is shown until it is
    three times DRAFT_KEEP_MINUTES old, its new build queued (a worker that is down must not freeze the figures)."""
    if _edited_since(kept.audit_mark):
        return False
    if over:
        return kept.built_at >= local_day_start(week_end + timedelta(days=1))
    return utcnow() - kept.built_at <= 3 * _draft_age()


def build_and_keep(area: Area, week_start: date):
    """(when the build began, what it built), the build kept for the next request."""
    mark = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    late_change = db.session.scalar(_late_change())
    started = utcnow()
    data = build_weekly(area, week_start)
    levels = [
        [level, [[a.id, a.name, a.parent_id, a.path] for a in areas], parents]
        for level, areas, parents in ranked_levels(area)
    ]
    _keep(area, week_start, data, levels, {"audit_mark": mark, "built_at": started}, late_change)
    return started, data


def build_draft_now(area: Area, week_start: date) -> bool:
    """Build the draft again now ("Update now"); False, nothing built, when it is younger than UPDATE_NOW_AFTER."""
    kept = db.session.get(WeeklyReportCache, (area.id, week_start))
    if kept is not None and utcnow() - kept.built_at < UPDATE_NOW_AFTER:
        return False
    build_and_keep(area, week_start)
    return True


def _late_change():
    return select(Setting.value).where(Setting.name == LATE_CHANGE)


def _queue_refresh(area_id: int, week_start: date) -> None:
    """Ask the worker for a new build of the draft, once: a second page view meanwhile finds it asked (until its
    build should long be done)."""
    key = f"draft:{area_id}:{week_start.isoformat()}"
    asked = queue.huey.get(key, peek=True)
    if asked is not None and time.time() - asked < _draft_age().total_seconds():
        return
    queue.huey.put(key, time.time())
    refresh_draft(area_id, week_start.isoformat())


@queue.huey.task()
def refresh_draft(area_id: int, week_start: str) -> None:
    """The worker's run: the area's draft of that week built again and kept (nothing if the area is gone)."""
    with queue.worker_app().app_context():
        try:
            area = db.session.get(Area, area_id)
            if area is not None:
                build_and_keep(area, date.fromisoformat(week_start))
        finally:
            db.session.rollback()
            queue.huey.delete(f"draft:{area_id}:{week_start}")


def _page_of(data: dict) -> dict:
    def cut(table: dict) -> dict:
        return {**table, "rows": table["rows"][:SHOWN_ROWS], "row_count": len(table["rows"])}

    outreach, sites = data["outreach"], data["outreach"]["sites"]
    return {
        **data,
        "tables": [cut(table) for table in data["tables"]],
        "outreach": {
            **outreach,
            "event_tables": [cut(table) for table in outreach["event_tables"]],
            "sites": {**sites, "tables": [cut(table) for table in sites["tables"]]},
        },
    }


def _edited_since(mark: int) -> bool:
    later = select(AuditEvent.id).where(AuditEvent.id > mark, AuditEvent.action.not_in(UNCOUNTED_ACTIONS))
    return db.session.scalar(later.limit(1)) is not None


def _levels_from(stored: list) -> list:
    """ranked_levels' (level, areas, {parent id: name}) again, from what was kept (JSON keys come back as text)."""
    return [
        (
            level,
            [SimpleNamespace(id=i, name=name, parent_id=parent, path=path) for i, name, parent, path in areas],
            {int(key): name for key, name in parents.items()},
        )
        for level, areas, parents in stored
    ]


def _with_warnings(area: Area, week_start: date, data: dict, levels_of) -> dict:
    """The kept report with its warnings (the week's and the ranked tables') read as they stand now."""
    return {**data, "outreach": {**data["outreach"], **warning_part(area, levels_of, report_week(week_start))}}


def _keep(area: Area, week_start: date, data: dict, levels: list, marks: dict, late_change: str | None) -> None:
    """Store the build on a connection of its own: the page's read transaction stays as it is, and a request that
    kept the same week a moment earlier wins. Not kept if a late change came while it was built (its rollups may
    have been read before it): the late change's own drop found nothing to drop yet. Reading the late-change
    setting for update waits for a late change under way, whose drop would miss this row too."""
    key = (WeeklyReportCache.area_id == area.id, WeeklyReportCache.week_start == week_start)
    row = {"area_id": area.id, "week_start": week_start, "data": data, "page": _page_of(data), "levels": levels}
    try:
        with db.engine.begin() as connection:
            if connection.scalar(_late_change().with_for_update()) != late_change:
                return
            connection.execute(delete(WeeklyReportCache).where(*key))
            connection.execute(insert(WeeklyReportCache).values(**row, **marks))
    except IntegrityError:
        pass
