"""Area pages: the tallies of a district, station, community, grid or building."""

from flask import Blueprint

bp = Blueprint("areas", __name__)

from fieldapp.areas import exports, map_routes, people, routes  # noqa: E402,F401
