"""TEMPORARY stub until the scanner branch lands."""

from flask_login import login_required

from fieldapp.sites import bp


@bp.get("/scan")
@login_required
def scan():
    return "scan"
