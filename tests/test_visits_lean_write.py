"""The lean write path of a visit (visits/store.py): what it writes is what the ORM would write, and what the
confirmation shows without reading it again is what the database holds."""

import uuid
from datetime import timedelta

from sqlalchemy import event, select

from fieldapp.database import commit_keeping_loaded, utcnow
from fieldapp.extensions import db
from fieldapp.models import KindDailyTally, MiniProgram, Site, Visit, VisitProgramRegs, VisitSignal
from fieldapp.sites.walk import door_url, doors_to_cover, walk_on
from fieldapp.tallies import area_totals, recount_differences
from fieldapp.visits.rules import VisitInput
from fieldapp.visits.services import record_visit

COLUMNS = [column.key for column in Visit.__table__.columns]


def stored_row(visit_id: int) -> dict:
    row = db.session.execute(select(Visit.__table__).where(Visit.__table__.c.id == visit_id)).mappings().one()
    return dict(row)


def a_visit(world, **changes) -> VisitInput:
    values = {
        "outcome": "talked",
        "people_reached": 3,
        "app_installs": 2,
        "realname_regs": 1,
        "miniprogram_regs": 0,
        "notice_signed": True,
        "receipt_collected": False,
        "note": "二楼东",
        "lat": 30.00005,
        "lon": 120.00004,
        "accuracy_m": 8.0,
        "device_time": utcnow() - timedelta(minutes=2),
    }
    return VisitInput(**(values | changes))


def test_the_row_written_is_the_row_the_orm_writes_and_the_object_shown_holds_it(world):
    program = MiniProgram(name="金钟罩")
    db.session.add(program)
    db.session.commit()
    data = a_visit(world, miniprogram_regs=2, program_regs={program.id: 2})
    visit, created = record_visit(world.a.volunteer, world.a.sites[0], data, str(uuid.uuid4()))
    assert created
    commit_keeping_loaded()
    shown = {name: visit.__dict__[name] for name in COLUMNS}  # every column held, none left to load
    assert [(row.mini_program_id, row.regs) for row in visit.program_regs] == [(program.id, 2)]

    # The same values through the ORM's unit of work, as record_visit wrote them before.
    copy = Visit(**{name: shown[name] for name in COLUMNS if name not in ("id", "client_uuid")})
    copy.client_uuid = str(uuid.uuid4())
    db.session.add(copy)
    db.session.commit()
    db.session.expire_all()

    stored, orm = stored_row(visit.id), stored_row(copy.id)
    assert stored == shown
    assert {k: v for k, v in stored.items() if k not in ("id", "client_uuid")} == {
        k: v for k, v in orm.items() if k not in ("id", "client_uuid")
    }
    regs = db.session.execute(select(VisitProgramRegs.mini_program_id, VisitProgramRegs.regs)).all()
    assert regs == [(program.id, 2)]
    assert stored["trust_score"] == 100 and stored["review_status"] == "pending" and stored["undone_at"] is None
    db.session.delete(db.session.get(Visit, copy.id))  # written beside the tallies, for the comparison only
    db.session.commit()
    assert recount_differences() == []


def test_signals_found_before_the_insert_go_in_with_the_score(world):
    first = record_visit(world.a.volunteer, world.a.sites[0], a_visit(world), str(uuid.uuid4()))[0]
    db.session.commit()
    # The next door, 2 km away a minute later: too fast, and outside the station's buildings.
    far = a_visit(world, lat=30.018, device_time=utcnow() - timedelta(minutes=1))
    second = record_visit(world.a.volunteer, world.a.sites[1], far, str(uuid.uuid4()))[0]
    db.session.commit()
    db.session.expire_all()
    query = select(VisitSignal.signal, VisitSignal.weight).where(VisitSignal.visit_id == second.id)
    found = dict(db.session.execute(query).all())
    assert set(found) == {"too_fast", "outside_area"}
    assert db.session.get(Visit, second.id).trust_score == 100 - sum(found.values())
    assert db.session.get(Visit, first.id).trust_score == 100
    assert db.session.scalar(select(VisitSignal.found_at).where(VisitSignal.visit_id == second.id)) <= utcnow()


def test_a_resent_visit_the_rules_now_refuse_is_answered_as_stored(world):
    key, data = str(uuid.uuid4()), a_visit(world)
    visit, created = record_visit(world.a.volunteer, world.a.sites[0], data, key)
    db.session.commit()
    assert created
    world.a.building.archived_at = utcnow()  # the building is demolished before the phone hears back
    db.session.commit()
    again, created = record_visit(world.a.volunteer, world.a.sites[0], data, key)
    assert (again.id, created) == (visit.id, False)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Visit)) == 1
    assert recount_differences() == []


def test_a_talk_writes_the_doors_talk_days_and_coverage_without_a_flush_and_a_shops_through_its_rollups(world):
    household, shop = world.a.sites[0], world.a.sites[1]
    shop.kind = "shop"
    db.session.commit()
    flushes = []
    event.listen(db.session(), "after_flush", lambda *_args: flushes.append(1))
    visit = record_visit(world.a.volunteer, household, a_visit(world), str(uuid.uuid4()))[0]
    site = db.session.get(Site, household.id)
    # One UPDATE, not a unit of work: nothing flushed, and the object holds the values as written.
    assert not flushes and not db.session.dirty
    held = (site.first_talk_on, site.last_talk_on, site.covered_by_visit_id)
    assert held == (visit.day, visit.day, visit.id)
    record_visit(world.a.volunteer, shop, a_visit(world, people_reached=1, app_installs=1), str(uuid.uuid4()))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Site, household.id)
    assert (stored.first_talk_on, stored.last_talk_on, stored.covered_by_visit_id) == held
    shop_row = db.session.get(Site, shop.id)
    assert (shop_row.first_talk_on, shop_row.covered_by_visit_id) == (visit.day, None)  # a shop is never covered
    kinds = db.session.execute(
        select(KindDailyTally.area_id, KindDailyTally.first_talks).where(KindDailyTally.kind == "shop")
    )
    assert {area_id for area_id, first_talks in kinds if first_talks == 1} == set(world.a.building.ancestor_ids)
    assert recount_differences() == []


def test_after_a_visit_one_statement_gives_the_buildings_progress_and_the_next_door(world):
    building, households = world.a.building, world.a.sites[:4]  # the fifth door is a vacant flat
    for site in households[:-1]:
        record_visit(world.a.volunteer, site, a_visit(world), str(uuid.uuid4()))
        db.session.commit()
        walk, progress = walk_on(site)
        assert progress == area_totals(building, targets=False)
        left = doors_to_cover(building)
        assert walk.left == len(left) and walk.label == left[0].door_label
        assert walk.url == door_url(left[0])
    last = households[-1]
    record_visit(world.a.volunteer, last, a_visit(world), str(uuid.uuid4()))
    db.session.commit()
    walk, progress = walk_on(last)  # no door left: the sums alone, still read
    assert (walk.label, walk.left, walk.building_done) == (None, 0, True)
    assert progress == area_totals(building, targets=False) and progress.households_covered == len(households)


def test_the_evidence_is_planned_for_any_day_on_postgresql_until_the_visit_commits(world):
    """Planned for today's values, which no statistics hold yet, PostgreSQL read the whole district's day for every
    visit (bench/evidence_plans.py). The setting that prevents it must not outlive the submit's transaction."""
    statements = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        record_visit(world.a.volunteer, world.a.sites[0], a_visit(world), str(uuid.uuid4()))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    connection = db.session.connection()
    asked = [statement for statement in statements if "plan_cache_mode" in statement]
    if connection.dialect.name == "postgresql":
        assert asked == ["SET LOCAL plan_cache_mode = force_generic_plan"]
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_generic_plan"
        db.session.commit()
        assert db.session.connection().exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
    else:
        assert asked == []  # SQLite has no such setting: asking for it would fail every submit
        db.session.commit()
    assert recount_differences() == []
