"""Shops, enterprises and schools (扫街 / 扫企): the counts of them and of those talked to on any days, read from
rollups, equal a recount of the sites and visits after every change a user can make."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from fieldapp.areas.moves import archive_area, move_area, restore_area
from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.keygroups.coverage import kind_counts
from fieldapp.models import OTHER_KINDS, Area, Site, Visit, in_use
from fieldapp.review.services import review_visit
from fieldapp.site_kinds import kind_differences
from fieldapp.tallies import recount_differences
from fieldapp.visits.clock import local_today
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import correct_visit, record_visit, undo_visit


def knock(world, site, outcome="talked", days_ago=0):
    data = VisitInput(outcome, 1 if outcome == "talked" else 0, 0, 0)
    data.device_time = utcnow() - timedelta(days=days_ago)
    visit, _created = record_visit(world.a.volunteer, site, data, str(uuid.uuid4()))
    db.session.commit()
    return visit


def periods() -> dict[str, tuple]:
    today = local_today()
    return {
        "all": (None, None),
        "since": (today - timedelta(days=3), None),
        "until": (None, today - timedelta(days=3)),
        # A shop talked to 5 days ago and yesterday was not talked to in this one.
        "between": (today - timedelta(days=3), today - timedelta(days=2)),
        "recent": (today - timedelta(days=1), today),
        "today": (today, today),
    }


def recount(area: Area, days: dict[str, tuple]) -> dict[str, dict[str, int]]:
    """The figures counted the slow way: each such site (not moved out, in an area in use) and its visits."""
    found: dict[str, dict[str, int]] = {}
    sites = db.session.scalars(
        select(Site)
        .join(Area, Area.id == Site.building_id)
        .where(Site.kind.in_(OTHER_KINDS), Site.status != "moved_out", Area.within(area), in_use(Area))
    )
    for site in sites:
        talks = db.session.scalars(
            select(Visit.day).where(Visit.site_id == site.id, Visit.outcome == "talked", Visit.counts_in_tallies)
        ).all()
        cell = found.setdefault(site.kind, dict.fromkeys(("total", *days), 0))
        cell["total"] += 1
        for name, (first, last) in days.items():
            cell[name] += any((first is None or day >= first) and (last is None or day <= last) for day in talks)
    return found


def assert_rollups_agree(world, every_tally: bool = True) -> None:
    db.session.expire_all()
    days = periods()
    for area in (world.district, world.a.area, world.a.grid, world.a.building, world.b.area, world.b.building):
        assert kind_counts(area, [area], days)[area.id] == recount(area, days), area.name
    ancestors = {area.id: area.ancestor_ids for area in db.session.scalars(select(Area))}
    assert kind_differences(ancestors) == []
    if every_tally:
        assert recount_differences() == []


def test_shops_talked_to_follow_visits_undo_rejection_and_correction_on_any_days(world):
    shop, enterprise = world.a.sites[0], world.a.sites[1]
    shop.kind, enterprise.kind = "shop", "enterprise"  # the roster said households: a site edit
    db.session.add(Site(building_id=world.a.building.id, kind="school", unit="", room="小学", residents=0))
    db.session.commit()
    knock(world, shop, days_ago=5)
    yesterday = knock(world, shop, days_ago=1)
    talk_today = knock(world, enterprise)
    knock(world, world.a.sites[2], outcome="not_home")
    assert_rollups_agree(world)
    counted = kind_counts(world.a.area, [world.a.area], periods())[world.a.area.id]
    assert counted["shop"] == {"total": 1, "all": 1, "since": 1, "until": 1, "between": 0, "recent": 1, "today": 0}
    assert counted["school"]["total"] == 1 and counted["school"]["all"] == 0

    review_visit(world.a.supervisor, talk_today, "rejected", "not there")
    db.session.commit()
    assert_rollups_agree(world)
    review_visit(world.a.supervisor, talk_today, "approved")
    db.session.commit()
    assert_rollups_agree(world)

    undone = knock(world, enterprise)
    undo_visit(world.a.volunteer, undone)
    db.session.commit()
    assert_rollups_agree(world)

    correct_visit(world.a.supervisor, yesterday, VisitInput("not_home", 0, 0, 0), "wrong door")
    db.session.commit()
    assert_rollups_agree(world)
    assert kind_counts(world.a.area, [world.a.area], periods())[world.a.area.id]["shop"]["recent"] == 0


def test_shops_follow_site_edits_area_moves_and_archiving(world):
    household, shop = world.a.sites[2], world.a.sites[0]
    shop.kind = "shop"
    db.session.commit()
    knock(world, household, days_ago=2)
    knock(world, shop, days_ago=4)
    knock(world, shop)
    household.kind = "enterprise"  # a household talked to turns out to be a firm: its talks come with it
    db.session.commit()
    # (Its coverage stays with the firm: the household tallies' own check says so; not this test's business.)
    assert_rollups_agree(world, every_tally=False)
    assert kind_counts(world.a.area, [world.a.area], periods())[world.a.area.id]["enterprise"]["all"] == 1
    household.kind = "household"
    db.session.commit()
    assert_rollups_agree(world)

    shop.status = "moved_out"
    db.session.commit()
    assert_rollups_agree(world)
    shop.status = "occupied"
    db.session.commit()
    assert_rollups_agree(world)

    shop.building_id, shop.room = world.b.building.id, "底商1"  # put on the wrong building by the roster
    db.session.commit()
    assert_rollups_agree(world)
    shop.building_id = world.a.building.id
    db.session.commit()

    move_area(world.a.grid, world.b.community, world.district)
    db.session.commit()
    assert_rollups_agree(world)
    assert kind_counts(world.b.area, [world.b.area], periods())[world.b.area.id]["shop"]["all"] == 1

    archive_area(world.a.building, world.district)
    db.session.commit()
    assert_rollups_agree(world)
    assert kind_counts(world.b.area, [world.b.area], periods())[world.b.area.id] == {}
    restore_area(world.a.building, world.district)
    db.session.commit()
    assert_rollups_agree(world)
