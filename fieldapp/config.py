"""Settings read from the environment, with defaults that let `make run` work on a bare machine."""

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def database_url() -> str:
    """DATABASE_URL, defaulting to a SQLite file in instance/; postgres URLs use psycopg 3."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'fieldapp.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str) -> dict:
    """Connection pool settings: PostgreSQL connections are checked before use (a restarted server drops
    them); a SQLite file cannot drop a connection, so its requests skip that round trip."""
    return {} if url.startswith("sqlite") else {"pool_pre_ping": True}


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    SECRET_KEY = None  # filled in by create_app so importing this module never writes files
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = None  # filled in by create_app from the URL (engine_options)
    # Forms on a phone are small; anything bigger is an attack or a mistake (answered with 413).
    MAX_CONTENT_LENGTH = 256 * 1024
    BABEL_DEFAULT_LOCALE = os.environ.get("FIELDAPP_DEFAULT_LOCALE", "zh")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("FIELDAPP_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = {"zh": "简体中文", "en": "English"}
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("FIELDAPP_LOGIN_RATE_LIMIT", "10 per minute")
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30  # a volunteer's phone stays logged in for a campaign month
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # SESSION_COOKIE_SECURE and REMEMBER_COOKIE_SECURE: on unless FIELDAPP_SECURE_COOKIES=0, set by create_app
    # (fieldapp.security.secure_cookies), read when the app is built so a test or command can change it.
    # How passwords are hashed (Werkzeug's method string). Tests set a cheap one; stored hashes keep their own.
    PASSWORD_HASH_METHOD = os.environ.get("FIELDAPP_PASSWORD_HASH_METHOD", "scrypt")
    WTF_CSRF_TIME_LIMIT = None  # a form left open on a door step must still submit hours later
    # What door-tag QR codes point at, e.g. https://fanzha.example.gov.cn (default: the address of the request).
    BASE_URL = os.environ.get("FIELDAPP_BASE_URL")
    # Roster files with more rows than this are imported in the background while the page shows progress.
    IMPORT_BACKGROUND_ROWS = int(os.environ.get("FIELDAPP_IMPORT_BACKGROUND_ROWS", "5000"))
    # Where uploaded roster files wait between preview and import (default: instance/imports).
    IMPORT_JOBS_DIR = os.environ.get("FIELDAPP_IMPORT_JOBS_DIR")
    # Number of reverse proxies in front of us whose X-Forwarded-* headers we trust.
    PROXY_COUNT = int(os.environ.get("FIELDAPP_PROXY_COUNT", "0"))
