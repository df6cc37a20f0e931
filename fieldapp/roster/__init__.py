"""A building's roster of households (楼栋住户名册): listing with visit progress, edits, and imports."""

from flask import Blueprint

bp = Blueprint("roster", __name__)

from fieldapp.roster import import_routes, moved_out, routes  # noqa: E402,F401
