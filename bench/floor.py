"""The floor of a visit submit: the statements recording one visit runs, through SQLAlchemy Core, with nothing else.

POST /floor on bench/baseline_app.py: the JSON of /api/v1/visits (bench/profile_submit.py's api_visit) for the user
named by ?user=<id>. It runs what a submit asks the database on the API path (bench/profile_submit.py --show-sql),
each statement the app's own where the app has one built: the user and their area, the tag with its door, building
and grid, the archived check, the trust evidence, the door locked, the visit inserted, a signal, the building's path,
the volunteer's and the areas' rollups, the door's talk days, the commit. Left out: the session cookie and
Flask-Login, CSRF, validating the request, the rules, the trust checks' Python, the ORM.

Not a way to record visits (no rule runs): a measure of what the statements alone cost in a bare Flask route, so
that "ours / baseline" can be read against "floor / baseline", the best a rewrite of the path without the ORM could
reach (bench/README.md, part 3).

POST /floor/merged (PostgreSQL only) asks the same in five statements instead of eleven: the tag with the archived
check, the evidence, the door locked with its building's path, and one data-modifying CTE writing the visit, its
signal, both rollups and the door's talk days: how far fewer round trips would move the floor. Since 2026-12-03 both
ask one statement more before the evidence on PostgreSQL, as the app does (database.planned_generically).

POST /floor/bare asks what /floor asks without the trust evidence and the signal it leads to: what the rest of a
submit costs, so that the evidence's share of the floor is measured, not guessed (bench/README.md, "2026-12-03,
night").
"""

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import jsonify, request
from sqlalchemy import bindparam, exists, select, text

from fieldapp.database import planned_generically
from fieldapp.extensions import db
from fieldapp.models import Area, DailyTally, Site, Tag, User, UserDailyTally, Visit, VisitSignal
from fieldapp.models.areas import _archived_along_statement, path_end
from fieldapp.trust.signals import _evidence_statement
from fieldapp.visits.clock import local_today
from fieldapp.visits.counting import FIELDS, KEYS, _building_path_statement, _talked_statement, _upsert_statement
from fieldapp.visits.store import _insert_signals, _insert_visit, _visit_columns

USERS = User.__table__
AREAS, GRIDS = Area.__table__.alias("area"), Area.__table__.alias("grid")
BUILDINGS = Area.__table__.alias("building")
# Built once with bound parameters, as the app builds its own (building a statement costs about what running it does).
USER_STATEMENT = (
    select(USERS, AREAS).join(AREAS, AREAS.c.id == USERS.c.area_id, isouter=True).where(USERS.c.id == bindparam("id"))
)
TAG_STATEMENT = (
    select(Tag.__table__, Site.__table__, BUILDINGS, GRIDS)
    .join(Site.__table__, Site.__table__.c.id == Tag.__table__.c.site_id)
    .join(BUILDINGS, BUILDINGS.c.id == Site.__table__.c.building_id)
    .join(GRIDS, GRIDS.c.id == BUILDINGS.c.parent_id)
    .where(Tag.__table__.c.token == bindparam("token"))
)
ARCHIVED = Area.__table__.alias("archived")
# The tag with the archived check: is any area at or above the building archived (its path a prefix of the building's)?
TAG_ARCHIVED_STATEMENT = TAG_STATEMENT.add_columns(
    exists().where(ARCHIVED.c.archived_at.is_not(None), BUILDINGS.c.path.startswith(ARCHIVED.c.path)).label("archived")
)
# The door locked and its building's path under a key-share lock (what _building_path_statement takes), in one.
LOCK_PATH_STATEMENT = text(
    "SELECT sites.*, areas.path FROM sites JOIN areas ON areas.id = sites.building_id WHERE sites.id = :id"
    " FOR UPDATE OF sites FOR KEY SHARE OF areas"
)
LOCK_STATEMENT = select(Site.__table__).where(Site.__table__.c.id == bindparam("id")).with_for_update()
DEFAULTS = {
    column.key: column.default.arg if column.default is not None and column.default.is_scalar else None
    for column in Visit.__table__.columns
}


def record_floor():
    return record(merged=False)


def record_floor_merged():
    return record(merged=True)


def record_floor_bare():
    return record(merged=False, evidence=False)


@cache
def merged_write():
    """INSERT the visit; from its id (none: a retry, then nothing else is written) its signal, the volunteer's and
    the areas' rollups and the door's talk days: one statement (PostgreSQL's data-modifying CTEs)."""
    visit_columns = list(_visit_columns())
    user_keys, area_fields = KEYS[UserDailyTally], FIELDS[DailyTally]
    user_columns = (*user_keys, *FIELDS[UserDailyTally])

    def adding(table: str, fields) -> str:
        return ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in fields)

    sql = (
        f"WITH v AS (INSERT INTO visits ({', '.join(visit_columns)})"
        f" VALUES ({', '.join(':' + name for name in visit_columns)})"
        " ON CONFLICT (client_uuid) DO NOTHING RETURNING id),"
        " s AS (INSERT INTO visit_signals (visit_id, signal, detail, weight, found_at)"
        " SELECT id, :signal, :detail, :weight, :found_at FROM v),"
        f" u AS (INSERT INTO user_daily_tallies ({', '.join(user_columns)})"
        f" SELECT {', '.join(':u_' + c for c in user_columns)} FROM v"
        f" ON CONFLICT ({', '.join(user_keys)}) DO UPDATE SET {adding('user_daily_tallies', FIELDS[UserDailyTally])}),"
        f" a AS (INSERT INTO area_daily_tallies (area_id, day, {', '.join(area_fields)})"
        f" SELECT area_id, :day, {', '.join(':a_' + c for c in area_fields)}"
        " FROM v, unnest(CAST(:area_ids AS integer[])) AS area_id"
        f" ON CONFLICT (area_id, day) DO UPDATE SET {adding('area_daily_tallies', area_fields)}),"
        " t AS (UPDATE sites SET first_talk_on = :first_talk_on, last_talk_on = :last_talk_on,"
        " covered_by_visit_id = CASE WHEN :cover THEN v.id ELSE sites.covered_by_visit_id END"
        " FROM v WHERE sites.id = :site_id AND :talk_days_change)"
        " SELECT id FROM v"
    )
    visits, user_tallies = Visit.__table__, UserDailyTally.__table__
    typed = [bindparam(name, type_=visits.c[name].type) for name in visit_columns]
    typed += [bindparam("u_" + name, type_=user_tallies.c[name].type) for name in user_columns]
    typed.append(bindparam("detail", type_=VisitSignal.__table__.c.detail.type))
    return text(sql).bindparams(*typed)


def record(merged: bool, evidence: bool = True):
    sent = request.get_json()
    connection = db.session.connection()
    user_id = request.args.get("user", type=int)
    team_id = connection.execute(USER_STATEMENT, {"id": user_id}).one()._mapping[USERS.c.team_id]
    tag_statement = TAG_ARCHIVED_STATEMENT if merged else TAG_STATEMENT
    door = connection.execute(tag_statement, {"token": sent["tag"]}).one()._mapping
    site_id, building_id, building_path = (
        door[Tag.__table__.c.site_id],
        door[Site.__table__.c.building_id],
        door[BUILDINGS.c.path],
    )
    ancestors = [int(part) for part in building_path.strip("/").split("/")]
    if not merged:
        connection.scalar(_archived_along_statement(), {"ids": ancestors})
    now, today = datetime.now(UTC).replace(tzinfo=None), local_today()  # the working day, as the app counts it
    east_m = 111_320 * math.cos(math.radians(sent["lat"]))
    limit, path = 20.0, f"/{ancestors[0]}/{ancestors[1]}/"
    params = {
        "user_id": user_id,
        "day": today,
        "moment": now,
        "before_id": 2**31 - 1,
        "site_id": site_id,
        "since": now - timedelta(minutes=10),
        "lat": sent["lat"],
        "lon": sent["lon"],
        "east_m": east_m,
        "south": sent["lat"] - 2 * limit / 111_320,
        "north": sent["lat"] + 2 * limit / 111_320,
        "west": sent["lon"] - 2 * limit / east_m,
        "east": sent["lon"] + 2 * limit / east_m,
        "limit_squared": limit * limit,
        "path": path,
        "path_end": path_end(path),
    }
    if evidence:
        planned_generically(connection)  # as trust.signals.evidence plans it
        connection.execute(_evidence_statement(connection.dialect.name), params).one()
    locked = connection.execute(LOCK_PATH_STATEMENT if merged else LOCK_STATEMENT, {"id": site_id}).one()
    counts = {name: sent[name] for name in ("people_reached", "app_installs", "realname_regs", "miniprogram_regs")}
    visit = {
        **DEFAULTS,
        **counts,
        "client_uuid": sent["client_uuid"],
        "site_id": site_id,
        "building_id": building_id,
        "user_id": user_id,
        "team_id": team_id,
        "outcome": sent["outcome"],
        "notice_signed": sent["notice_signed"],
        "lat": sent["lat"],
        "lon": sent["lon"],
        "accuracy_m": sent["accuracy_m"],
        "server_time": now,
        "day": today,
        "content_hash": hashlib.sha256(json.dumps(sent, sort_keys=True).encode()).hexdigest(),
        "trust_score": 85 if evidence else 100,
    }
    signal = {"signal": "same_fix", "detail": {"doors": 3}, "weight": 15, "found_at": now}
    # The door's talk days and coverage as count_visit moves them: written only when they change (a door talked to
    # again the same day writes nothing).
    first, last, covered = locked.first_talk_on, locked.last_talk_on, locked.covered_by_visit_id
    newly_covered = locked.kind == "household" and covered is None
    talk_days = {
        "first_talk_on": today if first is None or today < first else first,
        "last_talk_on": today if last is None or today > last else last,
    }
    sums = {
        "visits": 1,
        "talked": 1,
        "households_covered": int(newly_covered),
        "notices_signed": 1,
        "receipts_collected": 0,
        **counts,
    }
    mine = {**dict(zip(KEYS[UserDailyTally], (user_id, team_id or 0, today), strict=True)), **sums}
    mine |= {"trust_lost": 15, "flagged": 1} if evidence else {"trust_lost": 0, "flagged": 0}
    visit_values = {name: visit[name] for name in _visit_columns()}
    if merged:
        changed = newly_covered or (first, last) != tuple(talk_days.values())
        path_ids = sorted(int(part) for part in locked.path.strip("/").split("/"))
        params = {**visit_values, **signal, **talk_days, "cover": newly_covered, "talk_days_change": changed}
        params |= {"u_" + name: value for name, value in mine.items()} | {"a_" + name: sums[name] for name in sums}
        visit_id = connection.scalar(merged_write(), {**params, "area_ids": path_ids})
        db.session.commit()
        return jsonify({"created": True, "visit": {"id": visit_id, "client_uuid": sent["client_uuid"]}}), 201
    visit_id = connection.execute(_insert_visit(), visit_values).scalar()
    if evidence:
        connection.execute(_insert_signals(), [{"visit_id": visit_id, **signal}])
    path = connection.scalar(_building_path_statement(), {"id": building_id})
    connection.execute(_upsert_statement(UserDailyTally), [mine])
    areas = [
        {"area_id": area_id, "day": today, **sums}
        for area_id in sorted(int(part) for part in path.strip("/").split("/"))
    ]
    connection.execute(_upsert_statement(DailyTally), areas)
    talked = {**talk_days, "covered_by_visit_id": visit_id if newly_covered else covered}
    if (first, last, covered) != tuple(talked.values()):
        connection.execute(_talked_statement(), {**talked, "id": site_id})
    db.session.commit()
    return jsonify({"created": True, "visit": {"id": visit_id, "client_uuid": sent["client_uuid"]}}), 201
