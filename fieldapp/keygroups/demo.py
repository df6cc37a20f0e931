"""The demo district's key groups (重点人群), with some households marked with them."""

import random

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import KeyGroup, Site, SiteKeyGroup

#: (name, revisit interval in days or None), as a district keeps them.
DEMO_KEY_GROUPS = (
    ("独居老人", 30),
    ("学生及家长", None),
    ("企业财务人员", None),
    ("16-55岁易受骗人群", None),
    ("既往受害人", 14),  # 以案说法: past victims are told how their case worked, every two weeks
)


def seed_demo_key_groups(rng: random.Random) -> int:
    """Add the key groups and mark about one household in twelve with one of them. (The demo's talks are all
    of the last few days, so Today lists as due the marked households nobody has talked to yet; moving talks
    back would put them on days the tallies do not hold.) Returns the households marked."""
    groups = [KeyGroup(name=name, revisit_days=days) for name, days in DEMO_KEY_GROUPS]
    db.session.add_all(groups)
    db.session.flush()
    households = db.session.scalars(
        select(Site).where(Site.kind == "household", Site.status == "occupied").order_by(Site.id)
    ).all()
    marked = rng.sample(households, k=len(households) // 12)
    for site in marked:
        group = rng.choice(groups)
        db.session.add(SiteKeyGroup(site_id=site.id, key_group_id=group.id))
    return len(marked)
