"""Writing a new visit in as few statements as the database allows (the submit path; profiled in bench/).

The visit's row goes in with one `INSERT ... ON CONFLICT (client_uuid) DO NOTHING RETURNING id`: no savepoint,
no unit of work, and a retry racing us on another worker inserts nothing (its transaction then returns the
stored visit). The ORM object built for the rules and the confirmation is then attached to the session as the
row just written, every column set, so nothing reads it back. Its signals go in with one more statement.

SQL text, shared by SQLite (3.35+) and PostgreSQL, for the same reason as the rollup upserts (counting.py):
SQLAlchemy compiles its dialect insert constructs afresh on every call. Only our own table and column names
go into the text; every value is a bound parameter of the column's own type.
"""

from functools import cache

from sqlalchemy import bindparam, text
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from fieldapp.database import utcnow
from fieldapp.extensions import db
from fieldapp.models import Visit, VisitProgramRegs, VisitSignal


def _typed_insert(table, columns: list[str], tail: str = ""):
    values = ", ".join(":" + name for name in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({values})"  # noqa: S608
    return text(sql + tail).bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns))


@cache
def _visit_columns() -> tuple[str, ...]:
    return tuple(column.key for column in Visit.__table__.columns if column.key != "id")


@cache
def _insert_visit():
    return _typed_insert(Visit.__table__, list(_visit_columns()), " ON CONFLICT (client_uuid) DO NOTHING RETURNING id")


@cache
def _insert_signals():
    return _typed_insert(VisitSignal.__table__, ["visit_id", "signal", "detail", "weight", "found_at"])


def fill_defaults(visit: Visit) -> None:
    """Give every column never set its model default (None where it has none), as a flush would (a column set to
    None stays None); set, so that the object holds every column and reading one later asks the database nothing."""
    for column in Visit.__table__.columns:
        if column.key == "id" or column.key in visit.__dict__:
            continue
        default = column.default
        setattr(visit, column.key, default.arg if default is not None and default.is_scalar else None)


def insert_once(visit: Visit, program_regs: dict[int, int]) -> bool:
    """INSERT the new visit unless its client_uuid is stored already (False: another request stored it first).

    On success the visit is in the session as a persistent object, id set, with `program_regs` as its rows."""
    fill_defaults(visit)
    values = {name: getattr(visit, name) for name in _visit_columns()}
    new_id = db.session.connection().execute(_insert_visit(), values).scalar()
    if new_id is None:
        return False
    visit.id = new_id
    make_transient_to_detached(visit)  # the row as written: every attribute counts as loaded
    db.session.add(visit)
    set_committed_value(visit, "program_regs", [])
    for program_id, regs in sorted(program_regs.items()):  # rare: flushed with the commit (or the next query)
        visit.program_regs.append(VisitProgramRegs(mini_program_id=program_id, regs=regs))
    return True


def insert_signals(visit: Visit, found: dict[str, dict], weights: dict[str, int]) -> None:
    """The record-time signals of a visit just inserted, in one statement (its score already counts them)."""
    if not found:
        return
    now = utcnow()
    rows = [
        {"visit_id": visit.id, "signal": signal, "detail": detail, "weight": weights[signal], "found_at": now}
        for signal, detail in found.items()
    ]
    db.session.connection().execute(_insert_signals(), rows)
