"""A household's coverage follows its kind when the roster is corrected: a covered household found to be a shop no
longer counts as covered (its covering talk's day loses it in every rollup above, and the kept reports of past
weeks counting that day are dropped), and made a household again it is covered by its first counted talk; the
recount (flask verify-tallies) agrees every time, by the form's path and by a roster import's."""

import uuid
from dataclasses import replace

from fieldapp.extensions import db
from fieldapp.roster.imports import plan_import
from fieldapp.roster.services import SiteInput, apply_import, update_site
from fieldapp.tallies import area_totals, recount_differences
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit
from tests.test_roster import csv_bytes


def covered(area) -> int:
    return area_totals(area).sums["households_covered"]


def as_input(site, **changes) -> SiteInput:
    fields = SiteInput(site.unit, site.room, site.floor, site.residents, site.kind, site.status, site.contact_phone)
    return replace(fields, **changes)


def test_a_covered_household_made_a_shop_loses_its_coverage_and_gets_it_back(world):
    site = world.a.sites[0]
    first, _ = record_visit(world.a.volunteer, site, VisitInput("talked", 2, 1), str(uuid.uuid4()))
    record_visit(world.a.volunteer, site, VisitInput("talked", 1, 0), str(uuid.uuid4()))
    db.session.commit()
    before = {area.id: covered(area) for area in (world.a.building, world.a.area, world.district)}
    assert site.covered_by_visit_id == first.id

    assert update_site(site, as_input(site, kind="shop"))
    db.session.commit()
    assert site.covered_by_visit_id is None
    for area in (world.a.building, world.a.area, world.district):
        assert covered(area) == before[area.id] - 1, area.name
    assert recount_differences() == []

    assert update_site(site, as_input(site, kind="household"))
    db.session.commit()
    assert site.covered_by_visit_id == first.id  # the first talk that counts, as when it was recorded
    for area in (world.a.building, world.a.area, world.district):
        assert covered(area) == before[area.id], area.name
    assert recount_differences() == []


def test_a_shop_never_talked_to_made_a_household_is_not_covered(world):
    site = world.a.sites[1]
    assert update_site(site, as_input(site, kind="shop"))
    before = covered(world.a.area)
    assert update_site(site, as_input(site, kind="household"))
    db.session.commit()
    assert site.covered_by_visit_id is None and covered(world.a.area) == before
    assert recount_differences() == []


def test_a_roster_import_that_makes_a_covered_household_a_shop_takes_its_coverage_away(world):
    site = world.a.sites[0]
    record_visit(world.a.volunteer, site, VisitInput("talked", 2, 1), str(uuid.uuid4()))
    db.session.commit()
    before = covered(world.a.area)
    a = world.a
    row = [
        a.area.name,
        a.community.name,
        a.grid.name,
        a.building.name,
        site.unit,
        str(site.floor),
        site.room,
        "3",
        "商户",
    ]
    header = ["派出所", "社区", "网格", "楼栋", "单元", "楼层", "房号", "人数", "类型"]
    plan = plan_import(csv_bytes([row], header), "a.csv", world.district, None)
    assert [changes for _id, changes, _before, _line in plan.updates] == [{"kind": "shop"}]
    apply_import(plan, world.district, None, "a.csv")
    db.session.commit()
    assert site.kind == "shop" and site.covered_by_visit_id is None
    assert covered(world.a.area) == before - 1 and recount_differences() == []
