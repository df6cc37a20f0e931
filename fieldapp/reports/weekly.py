"""The weekly report (周报): its figures, and publishing it with the 周点评 (its files then stored byte for byte).

A report covers one week (FIELDAPP_WEEK_STARTS, Monday to Sunday by default) of one area: every measure for the
area itself (this week, last week, the change, to date, % of target), then ranked tables of its stations,
communities, grids, teams and volunteers (weekly_rankings.py). "To date" counts from the first day of the
campaign running that week. The files (weekly_files.py) are built in the reader's language; a published report's
files are frozen in the language it was published in.
"""

from datetime import date, datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fieldapp.audit import audit
from fieldapp.events.summary import weekly_event_rows
from fieldapp.extensions import db
from fieldapp.models import Area, MiniProgram, ProgramDailyTally, Target, User, WeeklyReport, program_measure
from fieldapp.periods import campaign_days, current_campaign, week_bounds, week_starts_on
from fieldapp.refusals import Refused
from fieldapp.reports.weekly_files import weekly_csv, weekly_xlsx
from fieldapp.reports.weekly_outreach import weekly_outreach
from fieldapp.reports.weekly_rankings import (
    FIXED_MEASURES,
    LAST_MEASURES,
    Week,
    area_figures,
    area_tables,
    people_tables,
)
from fieldapp.visits.clock import deployment_zone, local_today

__all__ = [
    "AlreadyPublished",
    "build_weekly",
    "publish_weekly",
    "report_week",
    "week_bounds",
    "weekly_csv",
    "weekly_xlsx",
]

#: The shape of `data`; reports published before it (no "version") show their stored files only. 3 added
#: "outreach" (events and warnings ranked per level, shops / enterprises / schools); 2's pages still show. 4 no
#: longer stores version 2's "warnings" (3 stored it beside "outreach", which alone is shown), and a warnings
#: table may have an "unrouted" row; a published 3 shows as it was.
DATA_VERSION = 4
#: The 周点评's longest length: a paragraph or two, as the level above reads it.
COMMENT_MAX = 2000


class AlreadyPublished(Refused):
    def __init__(self):
        super().__init__(_l("This week was already published; the published version stays as it was."))


class NotStarted(Refused):
    def __init__(self):
        super().__init__(_l("This week has not started yet: there is nothing to publish."))


def report_measures(area: Area, week: Week) -> list[dict]:
    """The measures in report order, each mini-program after the mini-program total: the active ones, and a
    retired one while the area still has registrations or a target for it in the campaign."""
    counted = select(ProgramDailyTally.mini_program_id).where(
        ProgramDailyTally.area_id == area.id, ProgramDailyTally.regs > 0
    )
    if week.since:
        counted = counted.where(ProgramDailyTally.day >= week.since)
    kept = set(db.session.scalars(counted.distinct()))
    if week.campaign is not None:
        measures = select(Target.measure).where(
            Target.campaign_id == week.campaign.id, Target.measure.like("program:%")
        )
        kept |= {int(measure.removeprefix("program:")) for measure in db.session.scalars(measures.distinct())}
    programs = [p for p in db.session.scalars(select(MiniProgram).order_by(MiniProgram.id)) if p.active or p.id in kept]
    return [
        *({"measure": m, "name": None} for m in FIXED_MEASURES),
        *({"measure": program_measure(p.id), "name": p.name} for p in programs),
        *({"measure": m, "name": None} for m in LAST_MEASURES),
    ]


def report_week(week_start: date) -> Week:
    """The week starting on `week_start`, with the campaign running on its last day and that campaign's first day."""
    week_end = week_bounds(week_start)[1]
    campaign = current_campaign(week_end)
    return Week(start=week_start, campaign=campaign, since=campaign_days(campaign, week_end)[0])


def build_weekly(area: Area, week_start: date) -> dict:
    """Everything the page and the files show for `area` and the week starting on `week_start`."""
    week = report_week(week_start)
    campaign, since = week.campaign, week.since
    measures = report_measures(area, week)
    keys = [item["measure"] for item in measures]
    return {
        "version": DATA_VERSION,
        "area": area.name,
        "level": area.level,
        "week_start": week_start.isoformat(),
        "week_end": week.end.isoformat(),
        # ISO week numbers (第48周) only mean something for weeks that start on Monday.
        "week_number": week_start.isocalendar().week if week_starts_on() == 0 else None,
        "campaign": campaign.name if campaign and since else None,
        "since": since.isoformat() if since else None,
        "measures": measures,
        "summary": area_figures([area], keys, week)[area.id],
        "tables": [*area_tables(area, keys, week), *people_tables(area, week)],
        # Beyond the door (issue 16): the area's and its parts' events (宣讲) as version 2 had them, then
        # "outreach": events and warnings (预警劝阻) ranked per level, to date too, and shops / enterprises / schools.
        "events": weekly_event_rows(area, week_start, week.end, since),
        "outreach": weekly_outreach(area, week),
        "comment": None,
        "published": None,
    }


def clean_comment(text: str | None) -> str | None:
    """The 周点评 as typed, without surrounding blank space; None when empty."""
    text = (text or "").replace("\r\n", "\n").strip()
    return text or None


def check_publish(area: Area, week_start: date, comment: str | None) -> str | None:
    """Refuse what cannot be published (before the queue takes it, and again when it runs); the clean comment."""
    if db.session.scalar(
        select(WeeklyReport.id).where(WeeklyReport.area_id == area.id, WeeklyReport.week_start == week_start)
    ):
        raise AlreadyPublished()
    if week_start > local_today():
        raise NotStarted()
    comment = clean_comment(comment)
    if comment and len(comment) > COMMENT_MAX:
        raise Refused(_l("The comment is too long: at most %(max)s characters.", max=COMMENT_MAX), "comment")
    return comment


def publish_weekly(user: User, area: Area, week_start: date, comment: str | None = None) -> WeeklyReport:
    """Freeze the week with its comment: later edits to visits never change what was published, and its files
    stay in the publisher's language (a queue worker's run forces it). The caller commits."""
    comment = check_publish(area, week_start, comment)
    data = build_weekly(area, week_start)
    data["comment"] = comment
    data["published"] = {
        "by": user.display_name,
        "at": datetime.now(deployment_zone()).strftime("%Y-%m-%d %H:%M"),
        "language": str(get_locale()),
    }
    report = WeeklyReport(
        area_id=area.id,
        week_start=week_start,
        published_by_id=user.id,
        data=data,
        comment=comment,
        xlsx=weekly_xlsx(data),
        csv=weekly_csv(data),
    )
    db.session.add(report)
    db.session.flush()
    audit("report.publish", report, after={"area_id": area.id, "week_start": week_start.isoformat()}, by=user)
    return report
