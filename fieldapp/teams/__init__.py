"""Teams ("1+2+N"): a leader (民警/辅警), grid workers (网格员) and volunteers (志愿者), with each member's history."""

from flask import Blueprint

bp = Blueprint("teams", __name__)

from fieldapp.teams import routes  # noqa: E402,F401
