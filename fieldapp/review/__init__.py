"""The supervisor's daily log (phone) and review desk (office PC): every visit of a day in their area, what looks
wrong first, and its review; the household changes to acknowledge; the area's audit trail."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from fieldapp.review import audit_routes, denominator_routes, desk_routes, routes  # noqa: E402,F401
