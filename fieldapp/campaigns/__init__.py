"""Campaigns (专项行动): their list, dates and deadlines (admins keep them), and each area's targets (任务数)."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__)

from fieldapp.campaigns import routes  # noqa: E402,F401
