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


def is_embedded_database(url: str) -> bool:
    """The SQLite file of one machine (`make run`, development), not a database server that others share.

    Two things are allowed only there: loading the demo (its accounts have a published password) and
    door-tag QR codes that follow the request's address when FIELDAPP_BASE_URL is unset.
    """
    return url.startswith("sqlite")


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
    # Several deployments sharing one Redis (a training copy beside the real one) keep their counters apart.
    RATELIMIT_KEY_PREFIX = os.environ.get("FIELDAPP_RATELIMIT_KEY_PREFIX", "")
    RATELIMIT_HEADERS_ENABLED = True
    # Failed logins only (a team logging in behind one Wi-Fi never reaches them): per client address, and
    # per account whatever the address (guesses spread over many addresses still add up).
    LOGIN_RATE_LIMIT = os.environ.get("FIELDAPP_LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("FIELDAPP_LOGIN_ACCOUNT_RATE_LIMIT", "20 per hour")
    # Every API request, per key (or per signed-in user): an outbox sends batches of 100 every 30 s at most.
    API_RATE_LIMIT = os.environ.get("FIELDAPP_API_RATE_LIMIT", "120 per minute")
    # How long a one-time password-reset link an admin hands out stays good (auth/reset_links.py).
    RESET_LINK_HOURS = int(os.environ.get("FIELDAPP_RESET_LINK_HOURS", "24"))
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
    # What door-tag QR codes point at, e.g. https://fanzha.example.gov.cn. Required to print tags on a database
    # server; only the embedded SQLite database (development) falls back to the address of the request.
    BASE_URL = os.environ.get("FIELDAPP_BASE_URL")
    # Roster files with more rows than this are imported in the background while the page shows progress.
    IMPORT_BACKGROUND_ROWS = int(os.environ.get("FIELDAPP_IMPORT_BACKGROUND_ROWS", "5000"))
    # Visit exports of more rows than this are written by the queue's worker, then downloaded from a progress page.
    EXPORT_BACKGROUND_ROWS = int(os.environ.get("FIELDAPP_EXPORT_BACKGROUND_ROWS", "100000"))
    # Reports of areas with more resident households than this are published by the queue's worker.
    PUBLISH_BACKGROUND_HOUSEHOLDS = int(os.environ.get("FIELDAPP_PUBLISH_BACKGROUND_HOUSEHOLDS", "50000"))
    # This week's draft report of an area with more resident households than this is kept as built and built again
    # by the queue's worker once it is older than DRAFT_KEEP_MINUTES (a district's build reads every grid's rollups:
    # seconds at a million sites); a smaller area's draft is built on every request, live to the minute.
    DRAFT_KEEP_HOUSEHOLDS = int(os.environ.get("FIELDAPP_DRAFT_KEEP_HOUSEHOLDS", "50000"))
    DRAFT_KEEP_MINUTES = int(os.environ.get("FIELDAPP_DRAFT_KEEP_MINUTES", "5"))
    # A folder every app server and worker reads (a shared mount) for files the queue's jobs make; unset, they
    # are kept in the database (jobs.result), which suits files of tens of megabytes, not a district's full export.
    JOB_FILES_DIR = os.environ.get("FIELDAPP_JOB_FILES") or None
    # Days a visit's raw GPS fix and note are kept; `flask purge-personal-data` clears older ones (run it daily).
    RETENTION_DAYS = int(os.environ.get("FIELDAPP_RETENTION_DAYS", "180"))
    # The weekday a report week (周报) starts on: monday (default) ... sunday; the week runs seven days from it.
    WEEK_STARTS = os.environ.get("FIELDAPP_WEEK_STARTS", "monday")
    # 预警劝阻 deadlines, fixed on each warning when it arrives: the call "at once" (minutes), the face-to-face
    # visit (hours).
    WARNING_CALL_MINUTES = int(os.environ.get("FIELDAPP_WARNING_CALL_MINUTES", "10"))
    WARNING_VISIT_HOURS = int(os.environ.get("FIELDAPP_WARNING_VISIT_HOURS", "8"))
    # Trust signals (信任信号), checked when a visit is recorded (fieldapp/trust/signals.py). Each signal takes its
    # weight off the visit's trust score of 100; the daily log shows the lowest scores first.
    # too_fast: the volunteer's previous fix is farther than walking or cycling allows (km/h), counting only the
    # distance beyond both fixes' accuracy, and at least TRUST_FAST_MIN_M of it (GPS noise is not speed).
    TRUST_MAX_KMH = float(os.environ.get("FIELDAPP_TRUST_MAX_KMH", "25"))
    TRUST_FAST_MIN_M = float(os.environ.get("FIELDAPP_TRUST_FAST_MIN_M", "100"))
    # same_fix: this many doors (this one included) of one volunteer's day share a fix to within TRUST_SAME_FIX_M.
    # Three, not two: a phone standing in a stairwell may hand two neighbouring doors the same cached fix.
    TRUST_SAME_FIX_M = float(os.environ.get("FIELDAPP_TRUST_SAME_FIX_M", "1"))
    TRUST_SAME_FIX_DOORS = int(os.environ.get("FIELDAPP_TRUST_SAME_FIX_DOORS", "3"))
    # burst: this many visits (this one included) by one volunteer within TRUST_BURST_MINUTES.
    TRUST_BURST_VISITS = int(os.environ.get("FIELDAPP_TRUST_BURST_VISITS", "12"))
    TRUST_BURST_MINUTES = int(os.environ.get("FIELDAPP_TRUST_BURST_MINUTES", "10"))
    # uniform_installs: this many talks in a volunteer's day, every one with the same number (≥ 1) of installs.
    TRUST_UNIFORM_AFTER = int(os.environ.get("FIELDAPP_TRUST_UNIFORM_AFTER", "8"))
    # outside_area: the fix lies farther than this outside the box around the station's buildings.
    TRUST_AREA_MARGIN_M = float(os.environ.get("FIELDAPP_TRUST_AREA_MARGIN_M", "300"))
    # late_sync: the visit reached the server this many hours after it happened (sent from the outbox).
    TRUST_LATE_SYNC_HOURS = float(os.environ.get("FIELDAPP_TRUST_LATE_SYNC_HOURS", "12"))
    # The daily log shows, after what looks wrong, this percentage of the other visits drawn at random (the same
    # draw all day for one area), so calm-looking visits are reviewed too.
    TRUST_SAMPLE_PERCENT = int(os.environ.get("FIELDAPP_TRUST_SAMPLE_PERCENT", "10"))
    # What each signal takes off the score, e.g. FIELDAPP_TRUST_WEIGHTS="burst=30,late_sync=0" (others keep theirs).
    TRUST_WEIGHTS = os.environ.get("FIELDAPP_TRUST_WEIGHTS", "")

    # 督察回访: households drawn per volunteer each week, how they are asked by default ("phone" or "in_person"),
    # and what a failed answer takes off the trust score of the checked visit and of the volunteer's other visits
    # of that week (less: they are suspect, not disproved).
    SPOT_CHECK_PER_VOLUNTEER = int(os.environ.get("FIELDAPP_SPOT_CHECK_PER_VOLUNTEER", "3"))
    SPOT_CHECK_METHOD = os.environ.get("FIELDAPP_SPOT_CHECK_METHOD", "phone")
    SPOT_CHECK_FAILED_WEIGHT = int(os.environ.get("FIELDAPP_SPOT_CHECK_FAILED_WEIGHT", "60"))
    SPOT_CHECK_WEEK_WEIGHT = int(os.environ.get("FIELDAPP_SPOT_CHECK_WEEK_WEIGHT", "30"))

    # The coverage map's background (areas/map.py): a tile URL template with {z}/{x}/{y} (and {s}), holding the
    # provider's browser key, e.g. Tianditu's or AMap's; unset, the map draws on a plain background. Its datum:
    # "wgs84" (Tianditu, as GPS) or "gcj02" (AMap: our WGS-84 points are converted to sit on its streets).
    MAP_TILES = os.environ.get("FIELDAPP_MAP_TILES", "")
    MAP_TILES_CRS = os.environ.get("FIELDAPP_MAP_TILES_CRS", "wgs84")
    #: The letters or digits `{s}` takes in turn (Tianditu: 01234567, AMap: 1234).
    MAP_TILES_SUBDOMAINS = os.environ.get("FIELDAPP_MAP_TILES_SUBDOMAINS", "")
    #: What the provider asks to be shown on the map, e.g. "© 天地图" (plain text).
    MAP_TILES_ATTRIBUTION = os.environ.get("FIELDAPP_MAP_TILES_ATTRIBUTION", "")
    # Number of reverse proxies in front of us whose X-Forwarded-* headers we trust.
    PROXY_COUNT = int(os.environ.get("FIELDAPP_PROXY_COUNT", "0"))


def shared_limits_problem(workers: int, storage_uri: str) -> str | None:
    """Why rate limits would not hold with `workers` processes on `storage_uri`, or None.

    memory:// keeps counts inside one process: with five workers an attacker gets five times the login
    attempts, and a lockout in one worker is unknown to the others. Redis (or another shared store) is needed.
    """
    if workers > 1 and storage_uri.startswith("memory://"):
        return (
            f"{workers} worker processes but RATELIMIT_STORAGE_URI={storage_uri}: login and API rate limits "
            "would be counted per process, not per server. Set RATELIMIT_STORAGE_URI=redis://HOST:6379/0 "
            "(or run one worker)."
        )
    return None
