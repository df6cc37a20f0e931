"""Events' figures as pages read them: sums of the daily rollups, never a count of raw events."""

from datetime import date

from sqlalchemy import func, select

from fieldapp.events.counting import EVENT_SUMS
from fieldapp.extensions import db
from fieldapp.models import Area, AreaDailyEventTally
from fieldapp.periods import campaign_days, current_campaign, week_bounds
from fieldapp.visits.clock import local_today


def event_sums(area_ids: list[int], first_day: date | None = None, last_day: date | None = None) -> dict:
    """{area_id: {"events": n, "people_reached": n, ...}} over the days given (all days when None)."""
    sums = {area_id: dict.fromkeys(EVENT_SUMS, 0) for area_id in area_ids}
    if not area_ids:
        return sums
    query = select(
        AreaDailyEventTally.area_id, *[func.sum(getattr(AreaDailyEventTally, name)) for name in EVENT_SUMS]
    ).where(AreaDailyEventTally.area_id.in_(area_ids))
    if first_day is not None:
        query = query.where(AreaDailyEventTally.day >= first_day)
    if last_day is not None:
        query = query.where(AreaDailyEventTally.day <= last_day)
    for row in db.session.execute(query.group_by(AreaDailyEventTally.area_id)):
        sums[row[0]] = {name: int(value or 0) for name, value in zip(EVENT_SUMS, row[1:], strict=True)}
    return sums


def week_and_to_date(area_ids: list[int], week_start: date, week_end: date, since: date | None) -> dict:
    """{area_id: {"week": sums, "to_date": sums}}: the report week, and from `since` (the campaign's first day;
    every day without a campaign) to the week's end."""
    week = event_sums(area_ids, week_start, week_end)
    to_date = event_sums(area_ids, since, week_end)
    return {area_id: {"week": week[area_id], "to_date": to_date[area_id]} for area_id in area_ids}


def area_event_summary(area: Area) -> dict:
    """The area page's 宣讲 line: this week and to date (the current campaign's days)."""
    today = local_today()
    start, end = week_bounds(today)
    since = campaign_days(current_campaign(today), today)[0]
    return week_and_to_date([area.id], start, end, since)[area.id]


def weekly_event_rows(area: Area, week_start: date, week_end: date, since: date | None) -> list[dict]:
    """The weekly report's 宣讲 rows: the area itself, then each of its parts in use (plain data: it is published)."""
    children = [child for child in area.children if not child.is_archived and child.level != "building"]
    figures = week_and_to_date([area.id, *(child.id for child in children)], week_start, week_end, since)
    return [{"name": item.name, "own": item is area, **figures[item.id]} for item in (area, *children)]
