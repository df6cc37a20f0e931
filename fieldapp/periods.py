"""Which days a page's figures cover: "the campaign" (the current one, or one picked), and its days."""

from datetime import date

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Campaign
from fieldapp.visits.clock import local_today


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
