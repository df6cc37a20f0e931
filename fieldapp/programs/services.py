"""Mini-program writes: add, rename, retire, reactivate. Each is audited; the caller commits.

A retired program leaves the door form; the registrations already made in it stay counted and shown.
"""

from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from fieldapp.audit import audit
from fieldapp.extensions import db
from fieldapp.limits import PROGRAM_NAME_MAX
from fieldapp.models import MiniProgram
from fieldapp.refusals import Refused


def all_programs() -> list[MiniProgram]:
    """Every program, active ones first, each group by name."""
    return list(db.session.scalars(select(MiniProgram).order_by(MiniProgram.active.desc(), MiniProgram.name)))


@cache
def _active_statement():
    """Built once: every door form (and so every visit submit) asks it."""
    return select(MiniProgram).where(MiniProgram.active).order_by(MiniProgram.id)


def active_programs() -> list[MiniProgram]:
    """The programs the door form counts, in the order it shows them."""
    return list(db.session.scalars(_active_statement()))


def _clean_name(name: str, program: MiniProgram | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise Refused(_l("Give a name."), field="name")
    if len(name) > PROGRAM_NAME_MAX:
        raise Refused(_l("A name has at most %(n)d characters.", n=PROGRAM_NAME_MAX), field="name")
    taken = select(MiniProgram.id).where(func.lower(MiniProgram.name) == name.lower())
    if program is not None:
        taken = taken.where(MiniProgram.id != program.id)
    if db.session.scalar(taken):
        raise Refused(_l("There is already a mini-program named %(name)s.", name=name), field="name")
    return name


def add_program(name: str) -> MiniProgram:
    program = MiniProgram(name=_clean_name(name), active=True)
    db.session.add(program)
    db.session.flush()
    audit("mini_program.create", program, after={"name": program.name})
    return program


def rename_program(program: MiniProgram, name: str) -> MiniProgram:
    before = program.name
    program.name = _clean_name(name, program)
    if program.name != before:
        db.session.flush()
        audit("mini_program.rename", program, before={"name": before}, after={"name": program.name})
    return program


def set_active(program: MiniProgram, active: bool) -> MiniProgram:
    """Retire (active=False) or reactivate a program; doing what is already so changes nothing."""
    if program.active != active:
        program.active = active
        db.session.flush()
        action = "mini_program.reactivate" if active else "mini_program.retire"
        audit(action, program, before={"active": not active}, after={"active": active})
    return program


def programs_shown(program_regs: dict[int, int]) -> list[MiniProgram]:
    """The programs an area page lists: the active ones, and retired ones with registrations in these figures."""
    return [program for program in all_programs() if program.active or program_regs.get(program.id)]
