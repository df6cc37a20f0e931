"""The supervisor's daily log: every visit of a day in their area, what looks wrong first, and its review."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from fieldapp.review import routes  # noqa: E402,F401
