"""Writes to campaigns: create one, change one; each checked whole before anything is written, and audited."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.models import Campaign, User
from fieldapp.refusals import Refused

#: The fields a campaign form edits, in order.
CAMPAIGN_FIELDS = ("name", "starts_on", "ends_on", "first_round_by", "complete_by")


def _problems(values: dict, except_id: int | None) -> dict:
    """What is wrong with a campaign's values, per field (empty when nothing is)."""
    problems = {}
    starts_on, ends_on = values["starts_on"], values["ends_on"]
    if ends_on < starts_on:
        problems["ends_on"] = _l("The campaign cannot end before it starts.")
    for name in ("first_round_by", "complete_by"):
        day = values[name]
        if day is not None and ends_on >= starts_on and not starts_on <= day <= ends_on:
            problems[name] = _l(
                "A deadline must fall within the campaign (%(first)s to %(last)s).",
                first=starts_on.isoformat(),
                last=ends_on.isoformat(),
            )
    first_round, complete = values["first_round_by"], values["complete_by"]
    if first_round and complete and complete < first_round and "complete_by" not in problems:
        problems["complete_by"] = _l("Full coverage cannot be due before the first round.")
    taken = select(Campaign.id).where(func.lower(Campaign.name) == values["name"].lower())
    if except_id is not None:
        taken = taken.where(Campaign.id != except_id)
    if db.session.scalar(taken.limit(1)) is not None:
        problems["name"] = _l("“%(name)s” already exists: give this campaign another name.", name=values["name"])
    return problems


def _as_dict(campaign: Campaign) -> dict:
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in ((name, getattr(campaign, name)) for name in CAMPAIGN_FIELDS)
    }


def create_campaign(user: User, values: dict) -> Campaign:
    """A new campaign from the form's values (name, dates, deadlines). The caller commits."""
    values = {**values, "name": values["name"].strip()}
    if problems := _problems(values, None):
        raise Refused(problems)
    campaign = Campaign(created_by_id=user.id, **{name: values[name] for name in CAMPAIGN_FIELDS})
    db.session.add(campaign)
    db.session.flush()
    audit("campaign.create", campaign, after=_as_dict(campaign))
    return campaign


def update_campaign(campaign: Campaign, values: dict) -> bool:
    """Change a campaign's name, dates or deadlines; False when nothing changed. The caller commits."""
    values = {**values, "name": values["name"].strip()}
    if problems := _problems(values, campaign.id):
        raise Refused(problems)
    before = _as_dict(campaign)
    for name in CAMPAIGN_FIELDS:
        setattr(campaign, name, values[name])
    after = _as_dict(campaign)
    if after == before:
        return False
    audit("campaign.update", campaign, before=before, after=after)
    return True
