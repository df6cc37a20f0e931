"""Households and other sites: the door page a tag opens, and recording a visit there."""

from flask import Blueprint

bp = Blueprint("sites", __name__)

from fieldapp.sites import routes, scan  # noqa: E402,F401
