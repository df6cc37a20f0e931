"""Routes that belong to no single part of the product."""

from flask import current_app, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from fieldapp.core import bp
from fieldapp.extensions import db

ONE_YEAR = 60 * 60 * 24 * 365


def safe_next(target: str | None, default: str) -> str:
    """Only ever redirect within this site (a path, never //host or a scheme)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@bp.get("/healthz")
def healthz():
    """For the load balancer: 200 when the app can reach its database, 503 when not."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", db="unreachable"), 503
    return jsonify(status="ok", db="ok")


@bp.get("/lang/<code>")
def switch_language(code: str):
    """Switch the interface language; the choice sticks in a cookie."""
    response = redirect(safe_next(request.args.get("next"), url_for("core.index")), code=303)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


@bp.get("/")
@login_required
def index():
    """Home: volunteers and leads start with today's walk list; supervisors and admins with their area."""
    if current_user.role in ("volunteer", "lead"):
        return redirect(url_for("areas.today"))
    return redirect(url_for("areas.show", area_id=current_user.area_id))
