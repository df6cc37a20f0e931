"""倒查 (back-check): find a household after a fraud case, read its whole record, record the conclusion."""

from flask import Blueprint

bp = Blueprint("backchecks", __name__)

from fieldapp.backchecks import routes  # noqa: E402,F401
