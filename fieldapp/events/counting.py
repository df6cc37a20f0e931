"""Counting an event into its areas' daily rollups, in the same transaction as the event itself, and the slow,
honest recount `verify-tallies` runs. Events never move DailyTally: a talk to 300 pupils covers no household."""

from functools import cache

from sqlalchemy import bindparam, select, text

from fieldapp.extensions import db
from fieldapp.models import EVENT_COUNTS, Area, AreaDailyEventTally, OutreachEvent

#: The sums each rollup row keeps: how many events, then each figure they add.
EVENT_SUMS = ("events", *EVENT_COUNTS)


def event_deltas(event: OutreachEvent, sign: int = 1) -> dict[str, int]:
    """What one event adds to its area's day (sign=-1 takes it out again)."""
    return {"events": sign, **{name: sign * getattr(event, name) for name in EVENT_COUNTS}}


@cache
def _upsert_statement():
    """One upsert that adds every sum (no read-modify-write race); the same text on SQLite and PostgreSQL."""
    table = AreaDailyEventTally.__table__
    columns = ("area_id", "day", *EVENT_SUMS)
    # Only our own table and column names go into the text; every value is a bound parameter.
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + name for name in columns)})"  # noqa: S608
        f" ON CONFLICT (area_id, day) DO UPDATE SET "
        + ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in EVENT_SUMS)
    )
    return text(sql).bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns))


def area_and_above(area_id: int) -> list[int]:
    """The area's id and those of every area above it, in id order (rows are always taken in that order).
    Read under a key-share lock, as for visits: a move of the area waits for this transaction or came before."""
    path = db.session.scalar(select(Area.path).where(Area.id == area_id).with_for_update(read=True, key_share=True))
    return sorted(int(part) for part in path.strip("/").split("/") if part)


def bump_event_tallies(event: OutreachEvent, sign: int = 1) -> None:
    """Add the event to (or, sign=-1, take it out of) the day of its area and of each area above it."""
    deltas = event_deltas(event, sign)
    rows = [{"area_id": area_id, "day": event.day, **deltas} for area_id in area_and_above(event.area_id)]
    db.session.execute(_upsert_statement(), rows)


def event_differences(ancestors: dict[int, list[int]]) -> list[str]:
    """The event rollups against a recount of the events not withdrawn (none expected)."""
    recount: dict[tuple, dict[str, int]] = {}
    events = select(OutreachEvent).where(OutreachEvent.withdrawn_at.is_(None))
    for event in db.session.scalars(events).yield_per(5000):
        for area_id in ancestors[event.area_id]:
            row = recount.setdefault((area_id, event.day), dict.fromkeys(EVENT_SUMS, 0))
            for name, value in event_deltas(event).items():
                row[name] += value
    stored = {
        (row.area_id, row.day): {name: getattr(row, name) for name in EVENT_SUMS}
        for row in db.session.scalars(select(AreaDailyEventTally))
    }
    zero = dict.fromkeys(EVENT_SUMS, 0)
    problems = []
    for key in sorted(set(recount) | set(stored), key=str):
        actual, expected = stored.get(key, zero), recount.get(key, zero)
        problems += [
            f"events {key}: {name} is {actual[name]} in the rollup, {expected[name]} by recount"
            for name in EVENT_SUMS
            if actual[name] != expected[name]
        ]
    return problems
