"""A batch of warnings (a file's rows, the feed's list) is routed from lookups read once for the whole batch, on both
databases: each warning goes where it would have gone on its own (household, area, person), the reads do not grow
with the batch, a number stored meanwhile by another request is answered with the stored warning, and a batch
with one bad warning stores none."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, MemberAssignment
from fieldapp.models.outreach import FraudWarning
from fieldapp.warnings.imports import store_warnings
from fieldapp.warnings.services import WarningInput, create_warning, create_warnings, lookups_for


@pytest.fixture
def assigned(world):
    """甲's building is given to its volunteer by name (包户到人); 乙's has nobody."""
    db.session.add(MemberAssignment(area_id=world.a.building.id, user_id=world.a.volunteer.id, team_id=world.a.team.id))
    db.session.commit()
    return world


def mixed(world, prefix: str, copies: int = 1) -> list[WarningInput]:
    """Warnings found by phone, by door code (typed in lower case), by address, found by nothing, one with a phone
    two households share (the district's admin sees both stations), one sent to a person who cannot see the grid
    its household is in, and the first one's number again; `copies` times, numbered apart."""
    received = utcnow() - timedelta(minutes=3)
    a, b = world.a, world.b
    items = []
    for copy in range(copies):

        def warning(name: str, area=world.district, **fields) -> WarningInput:
            return WarningInput(f"{prefix}-{copy}-{name}", received, area=area, **fields)  # noqa: B023

        items += [
            warning("phone", phone="+86 138 1234 1234"),  # 甲's and 乙's first household share it: found by neither
            warning("code", door_code=a.sites[2].active_tag.short_code.lower()),
            warning("address", address="甲派出所社区1号楼1单元201"),
            warning("b-address", address="乙派出所社区1号楼1单元301"),
            warning("b-code", door_code=b.sites[3].active_tag.short_code, area=a.area, assigned_to=a.volunteer),
            warning("nowhere", address="无此地址9号"),
            warning("person", address="甲派出所社区1号楼1单元401", assigned_to=world.admin),
        ]
        items.append(WarningInput(items[-7].external_id, received, area=world.district))  # the same number again
    return items


def routes(stored) -> list[tuple]:
    return [(w.external_id, w.site_id, w.area_id, w.assigned_to_id, created) for w, created in stored]


def test_a_batch_routes_each_warning_as_it_would_be_routed_alone(assigned):
    world = assigned
    alone = []
    for item in mixed(world, "YJ"):
        stored, problems = store_warnings([item], world.admin)
        assert not problems
        alone += routes(stored)
    db.session.rollback()
    for kept in [o for o in db.session.identity_map.values() if isinstance(o, FraudWarning)]:
        db.session.expunge(kept)  # SQLite gives the rolled-back ids again: no warning of the first run may linger
    together, problems = store_warnings(mixed(world, "YJ"), world.admin)
    assert not problems
    assert routes(together) == alone
    a, b = world.a, world.b
    expected = {
        "phone": (None, world.district.id, None),
        "code": (a.sites[2].id, a.grid.id, a.volunteer.id),
        "address": (a.sites[1].id, a.grid.id, a.volunteer.id),
        "b-address": (b.sites[2].id, b.grid.id, None),
        "b-code": (b.sites[3].id, b.grid.id, None),  # 甲's volunteer cannot see 乙's grid
        "nowhere": (None, world.district.id, None),
        "person": (a.sites[3].id, a.grid.id, world.admin.id),  # chosen, and sees the grid
    }
    assert {number.split("-", 2)[2]: tuple(route) for number, *route, _created in routes(together)[:7]} == expected
    assert [created for *_route, created in routes(together)] == [True] * 7 + [False]
    assert together[-1][0] is together[0][0]  # the number again: the warning stored just before
    db.session.commit()
    assert db.session.scalar(select(func.count(FraudWarning.id))) == 7
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "warning.create")) == 7


def statements_storing(items, by) -> dict[str, int]:
    counts = {"select": 0, "all": 0}

    def count(_connection, _cursor, statement, *_args):
        counts["all"] += 1
        counts["select"] += statement.lstrip().upper().startswith("SELECT")

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        stored, problems = store_warnings(items, by)
        db.session.flush()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert not problems and len(stored) == len(items)
    db.session.rollback()
    return counts


def test_the_statements_a_batch_costs_do_not_grow_with_its_size(assigned, database_uri):
    """Eight warnings and eighty read the same few times (one query per kind of lookup); on PostgreSQL the
    inserts are one statement per table as well. (SQLite inserts row by row, in-process: no round trips.)"""
    world = assigned
    db.session.expire_all()  # nothing left in the session from setting up: each size reads what it needs
    few = statements_storing(mixed(world, "F", copies=1), world.admin)
    db.session.expire_all()
    many = statements_storing(mixed(world, "M", copies=10), world.admin)
    assert many["select"] == few["select"] <= 12
    if database_uri.startswith("postgresql"):
        assert many["all"] == few["all"] <= 18


def test_a_number_stored_by_another_request_meanwhile_is_answered_with_the_stored_warning(assigned):
    world = assigned
    items = mixed(world, "R")[:3]
    lookups = lookups_for(items, world.admin)  # read before the other request stores the second number
    other, created = create_warning(items[1], world.admin)
    db.session.commit()
    assert created
    stored = create_warnings(items, world.admin, lookups)
    db.session.commit()
    assert [(w.external_id, created) for w, created in stored] == [
        ("R-0-phone", True),
        ("R-0-code", False),
        ("R-0-address", True),
    ]
    assert stored[1][0].id == other.id
    assert db.session.scalar(select(func.count(FraudWarning.id))) == 3


def test_one_bad_warning_in_a_batch_stores_none_and_says_which(assigned):
    world = assigned
    items = mixed(world, "B")
    items[4].door_code = "NO-SUCH"
    stored, problems = store_warnings(items, world.admin)
    db.session.rollback()
    assert stored == [] and list(problems) == [4] and "door_code" in problems[4]
    assert db.session.scalar(select(func.count(FraudWarning.id))) == 0
