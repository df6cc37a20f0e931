"""Key groups (重点人群): the list an admin keeps, households marked with them, revisits due and coverage."""

from flask import Blueprint

bp = Blueprint("keygroups", __name__)

from fieldapp.keygroups import routes  # noqa: E402,F401
