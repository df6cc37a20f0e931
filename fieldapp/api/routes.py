"""The JSON API: record visits (one or a batch, idempotent by client_uuid), receive the platform's warnings
(idempotent by external_id), the walk list, an area's tallies.

Signed in by the session cookie (the phone's outbox; writes then need the X-CSRFToken header)
or by `Authorization: Bearer <token>` (other clients; no CSRF, as no browser sends it by itself).
"""

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp.api import bp
from fieldapp.api import responses as rs
from fieldapp.api.feed import receive_warnings
from fieldapp.api.openapi import openapi_document
from fieldapp.api.requests import TalliesQuery, VisitBatchIn, WalkListQuery, problems
from fieldapp.api.submit import submit
from fieldapp.api.tokens import SCOPE_WRITES
from fieldapp.areas.walk import walk_list
from fieldapp.database import utcnow
from fieldapp.extensions import csrf, db, limiter
from fieldapp.limits import BATCH_LIMIT, INT32_MAX
from fieldapp.models import Area, Site
from fieldapp.periods import campaign_days, current_campaign
from fieldapp.permissions import may_manage_warnings
from fieldapp.programs.services import active_programs
from fieldapp.tallies import Totals, child_totals_for
from fieldapp.visits.queries import last_outcomes

#: Requests that change nothing: no CSRF token needed, no token use recorded.
READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
#: A token's last use is written at most this often (a write per request would slow every call).
LAST_USED_RESOLUTION_S = 60

csrf.exempt(bp)


def api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def api_client() -> str:
    """Whom an API request's rate limit counts against: its key, else the signed-in user, else the address."""
    signed_in = current_user.is_authenticated  # first: loading the user puts a Bearer key in g
    token = g.get("api_token")
    if token is not None:
        return f"api-key:{token.id}"
    if signed_in:
        return f"api-user:{current_user.id}"
    return f"api-address:{request.remote_addr}"


# Every endpoint of the API; over the limit answers 429 in JSON (core/errors.py), with Retry-After.
limiter.limit(api_rate_limit, key_func=api_client)(bp)


def api_error(status: int, error: str, message: str):
    return jsonify(rs.Error(error=error, message=message).body()), status


def not_valid(fields: dict, message=None):
    message = message or _("Some parameters are not valid.")
    return jsonify(rs.Invalid(error="invalid", message=message, fields=fields).body()), 422


#: The query each endpoint reads; any other parameter is refused, as unknown body fields are.
QUERIES = {"api.get_walk_list": WalkListQuery, "api.area_tallies": TalliesQuery}


def read_query(model):
    """The endpoint's query parameters as its model, or ValidationError."""
    return model.model_validate(request.args.to_dict())


@bp.before_request
def signed_in_only():
    if request.endpoint == "api.openapi":
        return None
    if not current_user.is_authenticated:
        return api_error(401, "unauthorized", _("Log in, or send a valid API token."))
    query = QUERIES.get(request.endpoint)
    known = {info.alias or name for name, info in query.model_fields.items()} if query else set()
    unknown = set(request.args) - known
    if unknown:
        return not_valid({name[:64]: _("Unknown parameter.") for name in sorted(unknown)[:10]})
    token = g.get("api_token")
    if token is not None and request.method not in READ_ONLY_METHODS:
        if token.scope == "read":
            return api_error(403, "forbidden", _("This API key may only read."))
        if request.endpoint is not None and request.endpoint not in SCOPE_WRITES.get(token.scope, ()):
            return api_error(403, "forbidden", _("This API key's scope does not allow this."))
    if token is None and request.method not in READ_ONLY_METHODS:
        csrf.protect()  # the session cookie alone must not be enough to write
    if token is not None and request.method not in READ_ONLY_METHODS:
        now = utcnow()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_S:
            token.last_used_at = now
            db.session.commit()
    return None


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/session")
def session_info():
    """Who is signed in, and a CSRF token for writes made with the session cookie."""
    user = current_user
    session = rs.Session(
        user=rs.UserOut(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            area=rs.AreaOut.of(user.area),
        ),
        csrf_token=generate_csrf(),
        server_time=utcnow(),
        mini_programs=[rs.MiniProgramOut(id=p.id, name=p.name) for p in active_programs()],
    )
    return jsonify(session.body())


@bp.post("/visits")
def post_visit():
    """Record one visit: 201 stored now, 200 stored before (same client_uuid, same content), 409, 422, 404."""
    status, body = submit(request.get_json(silent=True), current_user)
    return jsonify(body), status


@bp.post("/visits/batch")
def post_visits():
    """Record up to BATCH_LIMIT visits, each on its own: one refused visit does not hold back the others."""
    try:
        batch = VisitBatchIn.model_validate(request.get_json(silent=True))
    except ValidationError:
        return not_valid(
            {"visits": _("Send 1 to %(n)d visits, each a JSON object.", n=BATCH_LIMIT)},
            _('Send {"visits": [...]} with 1 to %(n)d visits.', n=BATCH_LIMIT),
        )
    results = []
    for index, item in enumerate(batch.visits):
        status, body = submit(item, current_user)
        # A BatchResult: the visit's place, then what POST /visits would have answered for it alone.
        results.append({"index": index, "client_uuid": item.get("client_uuid"), "status": status, **body})
    return jsonify({"results": results})


@bp.post("/warnings")
def post_warnings():
    """Receive the platform's warnings (预警), one or a list, all or nothing: 201 stored, 200 stored before, 422."""
    if not may_manage_warnings(current_user):
        return api_error(403, "forbidden", _("Only supervisors and admins receive warnings."))
    status, body = receive_warnings(request.get_json(silent=True), current_user)
    return jsonify(body), status


@bp.get("/walk-list")
def get_walk_list():
    """My buildings, most doors left first, with every door's tag: what the phone keeps for offline work."""
    try:
        limit = read_query(WalkListQuery).limit
    except ValidationError as error:
        return not_valid(problems(error, WalkListQuery))
    walk = walk_list(current_user, limit)
    ids = [building.id for building, _totals in walk]
    sites = db.session.scalars(
        select(Site).where(Site.building_id.in_(ids)).options(selectinload(Site.tags)).order_by(Site.id)
    ).all()
    last_outcome = last_outcomes(ids)
    parents = {
        a.id: a.name for a in db.session.scalars(select(Area).where(Area.id.in_({b.parent_id for b, _ in walk})))
    }
    by_building: dict[int, list] = {building_id: [] for building_id in ids}
    for site in sites:
        tag = site.active_tag
        by_building[site.building_id].append(
            rs.WalkSite(
                id=site.id,
                tag=tag.token if tag else None,
                short_code=tag.short_code if tag else None,
                door=site.door_label,
                unit=site.unit,
                floor=site.floor,
                room=site.room,
                kind=site.kind,
                status=site.status,
                residents=site.residents,
                last_outcome=last_outcome.get(site.id),
            )
        )
    buildings = [
        rs.WalkBuilding(
            id=building.id,
            name=building.name,
            parent=parents.get(building.parent_id, ""),
            resident_households=totals.resident_households,
            households_covered=totals.households_covered,
            sites=by_building[building.id],
        )
        for building, totals in walk
    ]
    return jsonify(rs.WalkList(generated_at=utcnow(), buildings=buildings).body())


@bp.get("/areas/<int:area_id>/tallies")
def area_tallies(area_id: int):
    """An area's figures and those of each of its parts, for the whole campaign or between two days."""
    area = db.session.get(Area, area_id) if area_id <= INT32_MAX else None  # larger ids overflow the column
    if area is None or not current_user.can_see(area):
        return api_error(404, "not_found", _("Not found, or not in your area."))
    try:
        days = read_query(TalliesQuery)
    except ValidationError as error:
        return not_valid(problems(error, TalliesQuery))
    children = list(area.children)
    # Without days asked for, the figures are the current campaign's (all days without one), as on the area page.
    first, last = (days.first, days.last) if days.first or days.last else campaign_days(current_campaign())
    totals = child_totals_for([area, *children], first_day=first, last_day=last)
    tallies = rs.AreaTallies(
        area=rs.AreaOut.of(area),
        first=first,
        last=last,
        totals=totals_out(totals[area.id]),
        children=[rs.PartTallies(area=rs.AreaOut.of(c), totals=totals_out(totals[c.id])) for c in children],
    )
    return jsonify(tallies.body())


def totals_out(totals: Totals) -> rs.Totals:
    return rs.Totals(
        resident_households=totals.resident_households,
        residents=totals.residents,
        **totals.sums,
        coverage_percent=round(totals.coverage, 2) if totals.coverage is not None else None,
        realname_per_10k=round(totals.realname_per_10k, 2) if totals.realname_per_10k is not None else None,
        targets=dict(totals.targets),
    )
