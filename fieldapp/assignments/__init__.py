"""包片包户: a supervisor gives a station's grids and buildings to teams; a team leader gives them to named members."""

from flask import Blueprint

bp = Blueprint("assignments", __name__)

from fieldapp.assignments import routes  # noqa: E402,F401
