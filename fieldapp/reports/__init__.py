"""Reports: the weekly ranked report (周报) and the visit export, both as spreadsheets."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from fieldapp.reports import routes  # noqa: E402,F401
