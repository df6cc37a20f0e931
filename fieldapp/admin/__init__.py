"""Administration: accounts (admins, and supervisors for the accounts below them)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from fieldapp.admin import accounts, cards, routes  # noqa: E402,F401
