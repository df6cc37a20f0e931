"""Coverage of key groups and of kinds of site (扫街 / 扫企) in an area: how many there are, how many talked to."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, exists, func, select

from fieldapp.extensions import db
from fieldapp.models import OTHER_KINDS, RESIDENT_STATUSES, Area, Campaign, KeyGroup, Site, SiteKeyGroup, Visit, in_use
from fieldapp.periods import campaign_days
from fieldapp.site_kinds import kind_counts

__all__ = ["OTHER_KINDS", "Coverage", "area_outreach", "key_group_coverage", "kind_counts", "talked_between"]


@dataclass
class Coverage:
    label: str
    total: int
    visited: int

    @property
    def percent(self) -> float | None:
        return 100 * self.visited / self.total if self.total else None


def talked_between(first_day: date | None, last_day: date | None):
    """SQL: the site (Site) had a counted talk on a day from `first_day` to `last_day` (None: no bound)."""
    condition = exists().where(Visit.site_id == Site.id, Visit.outcome == "talked", Visit.counts_in_tallies)
    if first_day is not None:
        condition = condition.where(Visit.day >= first_day)
    if last_day is not None:
        condition = condition.where(Visit.day <= last_day)
    return condition


def key_group_coverage(area: Area, first_day: date | None, last_day: date | None) -> list[Coverage]:
    """Per active key group: households marked in `area` (lived in), and how many of them were talked to."""
    visited = func.sum(case((talked_between(first_day, last_day), 1), else_=0))
    rows = db.session.execute(
        select(KeyGroup.id, func.count(Site.id), visited)
        .select_from(SiteKeyGroup)
        .join(Site, Site.id == SiteKeyGroup.site_id)
        .join(KeyGroup, KeyGroup.id == SiteKeyGroup.key_group_id)
        .join(Area, Area.id == Site.building_id)
        .where(KeyGroup.archived_at.is_(None), Site.status.in_(RESIDENT_STATUSES), Area.within(area), in_use(Area))
        .group_by(KeyGroup.id)
    ).all()
    counts = {group_id: (total, int(done or 0)) for group_id, total, done in rows}
    groups = db.session.scalars(select(KeyGroup).where(KeyGroup.archived_at.is_(None)).order_by(KeyGroup.id))
    return [Coverage(group.name, *counts.get(group.id, (0, 0))) for group in groups]


def kind_coverage(area: Area, first_day: date | None, last_day: date | None) -> dict[str, Coverage]:
    """{kind: sites of that kind in `area` not moved out, and how many were talked to}, for shops, enterprises
    and schools; a kind with none is left out."""
    found = kind_counts(area, [area], {"visited": (first_day, last_day)})[area.id]
    return {kind: Coverage(kind, found[kind]["total"], found[kind]["visited"]) for kind in OTHER_KINDS if kind in found}


def area_outreach(area: Area, campaign: Campaign | None) -> dict:
    """The area page's key-group and kind-of-site tables: talks counted on the campaign's days (all days when
    there is no campaign; `coverage_campaign` says which)."""
    first_day, last_day = campaign_days(campaign)
    return {
        "key_group_coverage": key_group_coverage(area, first_day, last_day),
        "kind_coverage": kind_coverage(area, first_day, last_day),
        "coverage_campaign": campaign,
    }
