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
"""

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta

from flask import jsonify, request
from sqlalchemy import bindparam, select

from fieldapp.extensions import db
from fieldapp.models import Area, DailyTally, Site, Tag, User, UserDailyTally, Visit
from fieldapp.models.areas import _archived_along_statement, path_end
from fieldapp.trust.signals import _evidence_statement
from fieldapp.visits.clock import local_today
from fieldapp.visits.counting import KEYS, _building_path_statement, _talked_statement, _upsert_statement
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
LOCK_STATEMENT = select(Site.__table__).where(Site.__table__.c.id == bindparam("id")).with_for_update()
DEFAULTS = {
    column.key: column.default.arg if column.default is not None and column.default.is_scalar else None
    for column in Visit.__table__.columns
}


def record_floor():
    sent = request.get_json()
    connection = db.session.connection()
    user_id = request.args.get("user", type=int)
    team_id = connection.execute(USER_STATEMENT, {"id": user_id}).one()._mapping[USERS.c.team_id]
    door = connection.execute(TAG_STATEMENT, {"token": sent["tag"]}).one()._mapping
    site_id, building_id, building_path = (
        door[Tag.__table__.c.site_id],
        door[Site.__table__.c.building_id],
        door[BUILDINGS.c.path],
    )
    ancestors = [int(part) for part in building_path.strip("/").split("/")]
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
    connection.execute(_evidence_statement(connection.dialect.name), params).one()
    locked = connection.execute(LOCK_STATEMENT, {"id": site_id}).one()
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
        "trust_score": 85,
    }
    visit_id = connection.execute(_insert_visit(), {name: visit[name] for name in _visit_columns()}).scalar()
    row = {"visit_id": visit_id, "signal": "same_fix", "detail": {"doors": 3}, "weight": 15, "found_at": now}
    connection.execute(_insert_signals(), [row])
    path = connection.scalar(_building_path_statement(), {"id": building_id})
    # The door's talk days and coverage as count_visit moves them: written only when they change (a door talked to
    # again the same day writes nothing).
    first, last, covered = locked.first_talk_on, locked.last_talk_on, locked.covered_by_visit_id
    newly_covered = locked.kind == "household" and covered is None
    talked = {
        "first_talk_on": today if first is None or today < first else first,
        "last_talk_on": today if last is None or today > last else last,
        "covered_by_visit_id": visit_id if newly_covered else covered,
    }
    sums = {
        "visits": 1,
        "talked": 1,
        "households_covered": int(newly_covered),
        "notices_signed": 1,
        "receipts_collected": 0,
        **counts,
    }
    mine = {"trust_lost": 15, "flagged": 1}
    key = dict(zip(KEYS[UserDailyTally], (user_id, team_id or 0, today), strict=True))
    connection.execute(_upsert_statement(UserDailyTally), [{**key, **sums, **mine}])
    areas = [
        {"area_id": area_id, "day": today, **sums}
        for area_id in sorted(int(part) for part in path.strip("/").split("/"))
    ]
    connection.execute(_upsert_statement(DailyTally), areas)
    if (first, last, covered) != tuple(talked.values()):
        connection.execute(_talked_statement(), {**talked, "id": site_id})
    db.session.commit()
    return jsonify({"created": True, "visit": {"id": visit_id, "client_uuid": sent["client_uuid"]}}), 201
