"""Routes that belong to no single part of the product."""

import io
from functools import cache

from flask import current_app, jsonify, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from fieldapp.core import bp
from fieldapp.extensions import db
from fieldapp.navigation import safe_next
from fieldapp.permissions import starts_on_walk_list

ONE_YEAR = 60 * 60 * 24 * 365
ONE_WEEK = 60 * 60 * 24 * 7


#: How long /healthz waits for the database's write lock: a writer holds it for milliseconds, so waiting longer
#: than this means the database is stuck, and a load balancer's probe must answer well within its own timeout.
HEALTH_LOCK_TIMEOUT_MS = 2_000


@bp.get("/healthz")
def healthz():
    """For the load balancer: 200 when the app can write to its database, 503 with the reason when not.

    Reading is not enough: a full disk or a read-only file still answers SELECT 1. So each call upserts
    the one "heartbeat" row in its own transaction and commits: on SQLite a WAL append of one page,
    holding the write lock only for that statement, and never longer than HEALTH_LOCK_TIMEOUT_MS waiting.
    """
    try:
        write_heartbeat()
    except Exception as error:  # any failure to write means "not healthy", said in the answer
        current_app.logger.exception("health check: the database cannot write")
        # The reason as one word; the error's own text (paths, SQL) goes to the log, not to anyone who asks.
        return jsonify(status="error", db=health_problem(error)), 503
    return jsonify(status="ok", db="ok")


def write_heartbeat() -> None:
    """One short transaction on a connection of its own, apart from the request's session."""
    from fieldapp.database import SQLITE_BUSY_TIMEOUT_MS, utcnow
    from fieldapp.models.settings import set_setting

    now = utcnow()
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # the connection's wait for the write lock, shortened for this transaction only
            connection.exec_driver_sql(f"PRAGMA busy_timeout={HEALTH_LOCK_TIMEOUT_MS}")
        else:
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {HEALTH_LOCK_TIMEOUT_MS}")
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {HEALTH_LOCK_TIMEOUT_MS * 2}")
        try:
            connection.execute(set_setting(connection.dialect.name, "heartbeat", now.isoformat()))
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()  # whatever happened, end it before the pool takes the connection back
                connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                connection.rollback()


def health_problem(error: Exception) -> str:
    """What kept the database from writing, as a word a monitor can match on."""
    message = str(getattr(error, "orig", error)).lower()
    for needle, word in (
        ("readonly", "read_only"),
        ("read-only", "read_only"),
        ("full", "full"),
        ("no space", "full"),
        ("lock", "locked"),
        ("timeout", "locked"),
    ):
        if needle in message:
            return word
    return "unreachable"


@bp.get("/favicon.ico")
def favicon():
    """The tab icon for browsers that ask for /favicon.ico (pages link static/favicon.svg, the same drawing)."""
    return send_file(io.BytesIO(favicon_ico()), mimetype="image/vnd.microsoft.icon", max_age=ONE_WEEK)


@cache
def favicon_ico() -> bytes:
    """A white shield with a tick on the brand red, drawn once per process (no image file to keep in step)."""
    from PIL import Image, ImageDraw

    scale, size = 8, 32  # drawn large and scaled down, for smooth edges
    image = Image.new("RGBA", (size * scale, size * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (0xB3, 0x26, 0x1E, 255)
    draw.rounded_rectangle((0, 0, size * scale - 1, size * scale - 1), radius=6 * scale, fill=red)
    shield = [(16, 5), (25, 8), (25, 15), (23.5, 20.5), (16, 27), (8.5, 20.5), (7, 15), (7, 8)]
    draw.polygon([(x * scale, y * scale) for x, y in shield], fill="white")
    tick = [(11.5, 16), (14.5, 19), (20.5, 13)]
    draw.line([(x * scale, y * scale) for x, y in tick], fill=red, width=int(2.5 * scale), joint="curve")
    buffer = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(buffer, format="ICO", sizes=[(size, size)])
    return buffer.getvalue()


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
    if starts_on_walk_list(current_user):
        return redirect(url_for("areas.today"))
    return redirect(url_for("areas.show", area_id=current_user.area_id))
