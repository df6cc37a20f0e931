"""The demo district's campaign: dates around today, and its targets handed down from the stations to the grids."""

from datetime import timedelta

from fieldapp.extensions import db
from fieldapp.models import Area, Campaign, Target
from fieldapp.targets import split_parts
from fieldapp.visits.clock import local_today


def hand_down_demo_targets(campaign: Campaign, area: Area) -> None:
    """Split each of the area's targets among its parts by resident households, down to the grids."""
    if area.level == "grid":
        return
    own = db.session.query(Target).filter_by(campaign_id=campaign.id, area_id=area.id).all()
    parts = list(area.children)
    for target in own:
        shares = split_parts(target.value, [part.resident_households for part in parts])
        for part, value in zip(parts, shares, strict=True):
            db.session.add(Target(campaign=campaign, area=part, measure=target.measure, value=value))
    db.session.flush()
    for part in parts:
        hand_down_demo_targets(campaign, part)


def demo_campaign() -> Campaign:
    """A campaign running since a week before the demo's first visits, with its two deadlines ahead."""
    today = local_today()
    return Campaign(
        name="冬季反诈入户宣传",
        starts_on=today - timedelta(days=14),
        ends_on=today + timedelta(days=76),
        first_round_by=today + timedelta(days=16),
        complete_by=today + timedelta(days=46),
    )
