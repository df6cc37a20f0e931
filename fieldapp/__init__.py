"""fieldapp: door-to-door anti-fraud outreach, from a scanned door tag to the station's figures."""

import os
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

from flask import Flask, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

from fieldapp import database, inputs, security, site_counts, site_kinds, static_files
from fieldapp.config import INSTANCE_DIR, Config, database_url, engine_options, secret_key
from fieldapp.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Creates no tables: the schema comes only from `flask db upgrade`."""
    # Files this process creates are its own alone (0600, folders 0700): the SQLite database and its
    # -wal/-shm, roster uploads, backups, published reports all hold personal data. Set here because every
    # process that touches them builds the app first (gunicorn workers, `flask` commands, background
    # jobs), before the first file is opened; SQLite gives -wal/-shm the database file's own mode.
    os.umask(0o077)
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(Config)
    INSTANCE_DIR.mkdir(exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url()
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = security.secure_cookies()
    if config:
        app.config.update(config)
    if app.config["SQLALCHEMY_ENGINE_OPTIONS"] is None:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key()
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    database.install_events()  # SQLite's locking and pragmas, row locks per transaction
    site_counts.install_events()  # areas' resident counters move with every site change
    site_kinds.install_events()  # and their counts of shops, enterprises and schools, talked to or not
    inputs.install(app)  # before any route: ids, numbers, NUL and JSON depth bounded for every one of them
    register_extensions(app)
    static_files.install(app)  # fingerprinted static URLs cached for a year; text answers compressed
    security.install(app)  # CSP and the other security headers, no-store on personal data
    register_blueprints(app)
    register_template_helpers(app)

    from fieldapp.cli import register_commands
    from fieldapp.core.errors import register_error_handlers
    from fieldapp.demo import register_demo_notices

    register_error_handlers(app)
    register_commands(app)
    register_demo_notices(app)  # the demo banner, and a loud warning when demo accounts remain outside make run
    return app


def select_locale() -> str:
    """The language picked with the switch (a cookie), else Chinese (also for commands and background jobs)."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    code = request.cookies.get("lang") if has_request_context() else None
    if code not in languages and has_request_context() and request.path.startswith("/api/"):
        code = request.accept_languages.best_match(languages)  # API clients say so in Accept-Language
    return code if code in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


@cache
def wtforms_translations(locale: str):
    """WTForms' built-in messages ("Not a valid integer value.") in `locale`, read once per process."""
    from babel.support import Translations
    from wtforms.i18n import messages_path

    return Translations.load(messages_path(), [locale], domain="wtforms")


def unchecked_limits(app: Flask) -> bool:
    """gunicorn runs us, but not with gunicorn.conf.py (which refuses several workers on memory:// limits)."""
    import os
    import sys

    return (
        "gunicorn" in sys.modules
        and not os.environ.get("FIELDAPP_GUNICORN_CONF")
        and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://")
    )


@cache
def user_with_area():
    """The signed-in user and their area, one query; the statement built once (every request runs it)."""
    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import joinedload

    from fieldapp.models import User

    return select(User).where(User.id == bindparam("id")).options(joinedload(User.area))


def register_extensions(app: Flask) -> None:
    from flask_babel import get_locale
    from flask_babel import lazy_gettext as _l

    from fieldapp.limits import INT32_MAX

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    if unchecked_limits(app):
        app.logger.warning(
            "Started by gunicorn without the repository's gunicorn.conf.py, with RATELIMIT_STORAGE_URI=memory://: "
            "if more than one worker runs, rate limits count per process. Set RATELIMIT_STORAGE_URI=redis://..."
        )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @app.before_request
    def reuse_form_translations():
        # Flask-WTF reads WTForms' own catalog from disk in every request that builds a form (1 ms of a
        # visit submit, profiled); the catalog never changes, so read it once per language and hand it over.
        request.wtforms_translations = wtforms_translations(str(get_locale()))

    @login_manager.user_loader
    def load_user(user_id: str):
        """The user of a session or remember-me cookie, if it carries their current session version
        ("<id>:<version>", User.get_id): logging out and changing the password raise the version."""
        user_key, _, version = user_id.partition(":")
        if not (user_key.isdigit() and version.isdigit()) or int(user_key) > INT32_MAX:
            return None  # also a cookie from before sessions carried a version
        # Every request asks the user's area what they may see: one query for both.
        user = db.session.scalar(user_with_area(), {"id": int(user_key)})
        # Deactivating raises the version too; an account switched off any other way still opens nothing.
        current = user is not None and user.session_version == int(version) and user.is_active
        return user if current else None

    from fieldapp.api.tokens import user_from_bearer

    login_manager.request_loader(user_from_bearer)


def register_blueprints(app: Flask) -> None:
    from fieldapp.admin import bp as admin_bp
    from fieldapp.api import bp as api_bp
    from fieldapp.areas import bp as areas_bp
    from fieldapp.assignments import bp as assignments_bp
    from fieldapp.auth import bp as auth_bp
    from fieldapp.backchecks import bp as backchecks_bp
    from fieldapp.campaigns import bp as campaigns_bp
    from fieldapp.core import bp as core_bp
    from fieldapp.events import bp as events_bp
    from fieldapp.keygroups import bp as keygroups_bp
    from fieldapp.offline import bp as offline_bp
    from fieldapp.programs import bp as programs_bp
    from fieldapp.reports import bp as reports_bp
    from fieldapp.review import bp as review_bp
    from fieldapp.roster import bp as roster_bp
    from fieldapp.sites import bp as sites_bp
    from fieldapp.spotchecks import bp as spotchecks_bp
    from fieldapp.tags import bp as tags_bp
    from fieldapp.teams import bp as teams_bp
    from fieldapp.warnings import bp as warnings_bp

    for blueprint in (
        core_bp,
        auth_bp,
        areas_bp,
        sites_bp,
        review_bp,
        reports_bp,
        roster_bp,
        tags_bp,
        teams_bp,
        assignments_bp,
        programs_bp,
        keygroups_bp,
        campaigns_bp,
        admin_bp,
        api_bp,
        offline_bp,
        events_bp,
        warnings_bp,
        backchecks_bp,
        spotchecks_bp,
    ):
        app.register_blueprint(blueprint)


@cache
def group_separator(locale: str) -> str:
    from babel import Locale

    return Locale.parse(locale).number_symbols["latn"]["group"]


@cache
def decimal_symbol(locale: str) -> str:
    from babel import Locale

    return Locale.parse(locale).number_symbols["latn"]["decimal"]


#: Percentages show one decimal.
TENTH = Decimal("0.1")


def number(value) -> str:
    """ "1,234": a whole number grouped as the user's language writes it (Chinese and English group by three).

    Babel's format_decimal(value, "#,##0") gives the same text but took 0.1 ms a call, and a district page
    shows two thousand numbers (profiled); Python's round() rounds halves to even, as that pattern does.
    """
    from flask_babel import get_locale

    return f"{round(value or 0):,}".replace(",", group_separator(str(get_locale())))


def grouped(value) -> str:
    """ "1,234", for languages that all group with a comma (Chinese and English do): `number` without asking which
    language the reader has, at a fifth of its cost (a district's weekly report shows 4,000 numbers)."""
    return f"{round(value or 0):,}"


def register_template_helpers(app: Flask) -> None:
    from flask_babel import format_datetime, format_time, get_locale

    from fieldapp import labels, limits
    from fieldapp.permissions import TEMPLATE_PREDICATES
    from fieldapp.trust.signals import reason as trust_reason

    def percent(value: float | None) -> str:
        """ "87.5%" (or an en dash when there is nothing to divide by), rounded half to even as Babel's
        format_decimal(value, "#,##0.0") is, without its 0.1 ms a call (a report shows thousands)."""
        if value is None:
            return "–"
        rounded = Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_EVEN)
        if as_in_english:
            return f"{rounded:,}%"
        locale = str(get_locale())
        text = f"{rounded:,}".replace(",", "\0").replace(".", decimal_symbol(locale))
        return text.replace("\0", group_separator(locale)) + "%"

    # Chinese and English write 1,234.5 alike: the filters need not ask for the reader's language (thousands a page).
    languages = app.config["LANGUAGES"]
    as_in_english = all(group_separator(code) == "," and decimal_symbol(code) == "." for code in languages)
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["number"] = grouped if as_in_english else number
    # Stored times are naive UTC; Flask-Babel shows them in the deployment's time zone.
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "short") if value else ""
    app.jinja_env.filters["time"] = lambda value: format_time(value, "HH:mm") if value else ""

    # Templates ask the same rulebook as routes (`may_review(current_user)`) and read the same limits.
    app.jinja_env.globals.update(TEMPLATE_PREDICATES, labels=labels, limits=limits, trust_reason=trust_reason)

    @app.context_processor
    def inject_locale():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
