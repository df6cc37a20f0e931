"""Logging in and out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from fieldapp.auth import reset, routes  # noqa: E402,F401
