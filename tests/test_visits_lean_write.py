"""The lean write path of a visit (visits/store.py): what it writes is what the ORM would write, and what the
confirmation shows without reading it again is what the database holds."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from fieldapp.database import commit_keeping_loaded, utcnow
from fieldapp.extensions import db
from fieldapp.models import MiniProgram, Visit, VisitProgramRegs, VisitSignal
from fieldapp.tallies import recount_differences
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
