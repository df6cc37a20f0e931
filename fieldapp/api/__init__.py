"""The JSON API under /api/v1: what the phone's outbox and other clients use, on the same services as the pages."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from fieldapp.api import routes  # noqa: E402,F401
