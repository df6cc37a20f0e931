"""Door tags: label sheets, reprinting a lost tag, binding blank tags at the door, tags never used."""

from flask import Blueprint

bp = Blueprint("tags", __name__)

from fieldapp.tags import job_routes, routes  # noqa: E402,F401
