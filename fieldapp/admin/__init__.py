"""Administration: accounts (admins only)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from fieldapp.admin import cards, routes  # noqa: E402,F401
