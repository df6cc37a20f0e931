"""Which days a page's figures cover: "the campaign" (the current one, or one picked), and its days."""

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.limits import INT32_MAX
from fieldapp.models import Campaign
from fieldapp.visits.clock import local_today

#: FIELDAPP_WEEK_STARTS values, in Python's weekday order (Monday is 0).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def week_starts_on() -> int:
    """The weekday (0 = Monday) a report week starts on, from FIELDAPP_WEEK_STARTS; Monday when unset or unreadable."""
    setting = str(current_app.config.get("WEEK_STARTS") or "monday").strip().lower()
    return WEEKDAYS.index(setting) if setting in WEEKDAYS else 0


def week_bounds(day: date) -> tuple[date, date]:
    """First and last day of the report week holding `day` (Monday to Sunday unless FIELDAPP_WEEK_STARTS says)."""
    start = day - timedelta(days=(day.weekday() - week_starts_on()) % 7)
    return start, start + timedelta(days=6)


def current_campaign(today: date | None = None) -> Campaign | None:
    """The campaign running today (the latest started, if two overlap); between campaigns the last one that
    ended (its figures are still the ones people report); None before the first one starts."""
    today = today or local_today()
    return db.session.scalar(
        select(Campaign)
        .where(Campaign.starts_on <= today)
        .order_by((Campaign.ends_on >= today).desc(), Campaign.starts_on.desc(), Campaign.id.desc())
        .limit(1)
    )


def campaign_days(campaign: Campaign | None, today: date | None = None) -> tuple[date | None, date | None]:
    """(first day, last day) whose figures belong to the campaign; (None, None), all days, without one."""
    if campaign is None:
        return None, None
    today = today or local_today()
    return campaign.starts_on, min(campaign.ends_on, max(today, campaign.starts_on))


def picked_campaign(campaign_id: int | None, today: date | None = None) -> Campaign | None:
    """The campaign a page shows: the one picked (`?campaign=<id>`, if it exists), else the current one."""
    if campaign_id is not None and 0 < campaign_id <= INT32_MAX:
        picked = db.session.get(Campaign, campaign_id)
        if picked is not None:
            return picked
    return current_campaign(today)


def all_campaigns() -> list[Campaign]:
    """Every campaign, the latest first (for the list and the pickers)."""
    return list(db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())))


def period_days(
    period: str, args, campaign: Campaign | None, today: date | None = None
) -> tuple[str, date | None, date | None]:
    """(period, first day, last day) from a query string's `period`, `from` and `to`: "all" is the campaign's
    days (all days without one); an unreadable range falls back to "all"."""
    today = today or local_today()
    if period == "today":
        return period, today, today
    if period == "week":
        return period, week_bounds(today)[0], today
    if period == "range":
        try:
            first, last = date.fromisoformat(args["from"]), date.fromisoformat(args["to"])
        except (KeyError, ValueError):
            first, last = None, None
        if first is not None and first <= last:
            return period, first, last
    return ("all", *campaign_days(campaign, today))


def deadlines(campaign: Campaign | None, today: date | None = None) -> list[tuple[str, date, int]]:
    """(which, day, days left) of the campaign's deadlines still set: "first_round" (首轮走访), "complete" (全覆盖),
    "end"; days left is negative once a day has passed."""
    if campaign is None:
        return []
    today = today or local_today()
    days = (("first_round", campaign.first_round_by), ("complete", campaign.complete_by), ("end", campaign.ends_on))
    return [(which, day, (day - today).days) for which, day in days if day is not None]
