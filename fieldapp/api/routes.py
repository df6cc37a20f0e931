"""The JSON API: record visits (one or a batch, idempotent by client_uuid), the walk list, an area's tallies.

Signed in by the session cookie (the phone's outbox; writes then need the X-CSRFToken header)
or by `Authorization: Bearer <token>` (other clients; no CSRF, as no browser sends it by itself).
"""

from datetime import date

from flask import g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp.api import bp
from fieldapp.api.openapi import openapi_document
from fieldapp.api.schemas import iso
from fieldapp.api.submit import submit
from fieldapp.areas.walk import walk_list
from fieldapp.database import utcnow
from fieldapp.extensions import csrf, db
from fieldapp.limits import BATCH_LIMIT, INT32_MAX, WALK_LIST_DEFAULT, WALK_LIST_LIMIT
from fieldapp.models import Area, Site
from fieldapp.tallies import Totals, child_totals_for
from fieldapp.visits.queries import last_outcomes

#: Requests that change nothing: no CSRF token needed, no token use recorded.
READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
#: A token's last use is written at most this often (a write per request would slow every call).
LAST_USED_RESOLUTION_S = 60

csrf.exempt(bp)


def api_error(status: int, error: str, message: str, **extra):
    return jsonify({"error": error, "message": message, **extra}), status


#: The query parameters each endpoint reads; any other is refused, as unknown body fields are.
QUERY_PARAMETERS = {"api.get_walk_list": {"limit"}, "api.area_tallies": {"from", "to"}}


@bp.before_request
def signed_in_only():
    if request.endpoint == "api.openapi":
        return None
    if not current_user.is_authenticated:
        return api_error(401, "unauthorized", _("Log in, or send a valid API token."))
    unknown = set(request.args) - QUERY_PARAMETERS.get(request.endpoint, set())
    if unknown:
        fields = {name[:64]: _("Unknown parameter.") for name in sorted(unknown)[:10]}
        return api_error(422, "invalid", _("Some parameters are not valid."), fields=fields)
    token = g.get("api_token")
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
    return jsonify(
        {
            "user": {
                "id": user.id,
                "username": user.username,
                "display_name": user.display_name,
                "role": user.role,
                "area": {"id": user.area.id, "name": user.area.name, "level": user.area.level},
            },
            "csrf_token": generate_csrf(),
            "server_time": iso(utcnow()),
        }
    )


@bp.post("/visits")
def post_visit():
    """Record one visit: 201 stored now, 200 stored before (same client_uuid, same content), 409, 422, 404."""
    status, body = submit(request.get_json(silent=True), current_user)
    return jsonify(body), status


@bp.post("/visits/batch")
def post_visits():
    """Record up to BATCH_LIMIT visits, each on its own: one refused visit does not hold back the others."""
    payload = request.get_json(silent=True)
    visits = payload.get("visits") if isinstance(payload, dict) else None
    well_formed = isinstance(visits, list) and all(isinstance(visit, dict) for visit in visits)
    if not well_formed or not 0 < len(visits) <= BATCH_LIMIT or set(payload) != {"visits"}:
        return api_error(
            422,
            "invalid",
            _('Send {"visits": [...]} with 1 to %(n)d visits.', n=BATCH_LIMIT),
            fields={"visits": _("Send 1 to %(n)d visits, each a JSON object.", n=BATCH_LIMIT)},
        )
    results = []
    for index, item in enumerate(visits):
        status, body = submit(item, current_user)
        client_uuid = item.get("client_uuid")
        results.append({"index": index, "client_uuid": client_uuid, "status": status, **body})
    return jsonify({"results": results})


@bp.get("/walk-list")
def get_walk_list():
    """My buildings, most doors left first, with every door's tag: what the phone keeps for offline work."""
    raw = request.args.get("limit", str(WALK_LIST_DEFAULT))
    limit = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 0  # "¹".isdigit() too
    if not 1 <= limit <= WALK_LIST_LIMIT:
        return api_error(
            422,
            "invalid",
            _("Some parameters are not valid."),
            fields={"limit": f"1–{WALK_LIST_LIMIT}"},
        )
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
            {
                "id": site.id,
                "tag": tag.token if tag else None,
                "short_code": tag.short_code if tag else None,
                "door": site.door_label,
                "unit": site.unit,
                "floor": site.floor,
                "room": site.room,
                "kind": site.kind,
                "status": site.status,
                "residents": site.residents,
                "last_outcome": last_outcome.get(site.id),
            }
        )
    return jsonify(
        {
            "generated_at": iso(utcnow()),
            "buildings": [
                {
                    "id": building.id,
                    "name": building.name,
                    "parent": parents.get(building.parent_id, ""),
                    "resident_households": totals.resident_households,
                    "households_covered": totals.households_covered,
                    "sites": by_building[building.id],
                }
                for building, totals in walk
            ],
        }
    )


@bp.get("/areas/<int:area_id>/tallies")
def area_tallies(area_id: int):
    """An area's figures and those of each of its parts, for the whole campaign or between two days."""
    area = db.session.get(Area, area_id) if area_id <= INT32_MAX else None  # larger ids overflow the column
    if area is None or not current_user.can_see(area):
        return api_error(404, "not_found", _("Not found, or not in your area."))
    days, problems = {}, {}
    for name in ("from", "to"):
        try:
            days[name] = date.fromisoformat(request.args[name]) if name in request.args else None
        except ValueError:
            problems[name] = _("A date like 2026-11-23.")
    if not problems and days["from"] and days["to"] and days["from"] > days["to"]:
        problems["to"] = _("The last day comes before the first.")
    if problems:
        return api_error(422, "invalid", _("Some parameters are not valid."), fields=problems)
    children = list(area.children)
    totals = child_totals_for([area, *children], first_day=days["from"], last_day=days["to"])
    return jsonify(
        {
            "area": area_json(area),
            "from": days["from"].isoformat() if days["from"] else None,
            "to": days["to"].isoformat() if days["to"] else None,
            "totals": totals_json(totals[area.id]),
            "children": [{"area": area_json(child), "totals": totals_json(totals[child.id])} for child in children],
        }
    )


def area_json(area: Area) -> dict:
    return {"id": area.id, "name": area.name, "level": area.level}


def totals_json(totals: Totals) -> dict:
    return {
        "resident_households": totals.resident_households,
        "residents": totals.residents,
        **totals.sums,
        "coverage_percent": round(totals.coverage, 2) if totals.coverage is not None else None,
        "realname_per_10k": round(totals.realname_per_10k, 2) if totals.realname_per_10k is not None else None,
        "targets": dict(totals.targets),
    }
