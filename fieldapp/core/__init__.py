"""Health check, language switch, the home redirect and error pages."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from fieldapp.core import routes  # noqa: E402,F401
