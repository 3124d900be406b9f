"""Configuration read from the environment, in one place."""
import os
from datetime import timedelta

from handbook.clock import TIMEZONE


def _bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def secure_cookies() -> bool:
    """Send cookies only over HTTPS unless told otherwise: SECURE_COOKIES=0 (``make run`` serves plain
    HTTP on 127.0.0.1 and sets it) or FLASK_DEBUG (development) turn it off."""
    if os.environ.get("SECURE_COOKIES", "").strip():
        return _bool("SECURE_COOKIES")
    return not _bool("FLASK_DEBUG")


class Config:
    """Settings for a running handbook; every value can come from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    # None means "SQLite in the instance folder", resolved in create_app().
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = secure_cookies()
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = secure_cookies()
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "14")))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_HOURS", "12")))

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(20 * 1024 * 1024)))
    # Uploaded files live outside static/; None means instance/uploads.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or None
    # Report files (monthly statistics) are kept here per period and organization; None means instance/reports.
    REPORTS_FOLDER = os.environ.get("REPORTS_FOLDER") or None
    # The levels whose monthly report files the scheduler writes; any other organization's are
    # written on demand from the same stored figures.
    MONTHLY_REPORT_KINDS = tuple(os.environ.get("MONTHLY_REPORT_KINDS", "province,committee").split(","))
    # Where the Party header says the report was made ("Thái Bình, ngày …").
    REPORT_PLACE = os.environ.get("REPORT_PLACE", "Thái Bình")
    # Text of uploaded PDFs is read by the scheduler, one child process per file, killed past these bounds.
    EXTRACT_TIMEOUT_SECONDS = float(os.environ.get("EXTRACT_TIMEOUT_SECONDS", "20"))
    EXTRACT_MEMORY_MB = int(os.environ.get("EXTRACT_MEMORY_MB", "512"))
    EXTRACT_BATCH = int(os.environ.get("EXTRACT_BATCH", "100"))  # files per run of the job
    TEXT_EXTRACTOR = "handbook.content.extraction:pdf_text"  # "module:function(bytes) -> str | None"

    # Member imports (handbook/roster): the largest register file taken, and up to which size a file
    # is checked within the request (bigger ones run in a thread, the page showing their progress).
    IMPORT_MAX_MB = int(os.environ.get("IMPORT_MAX_MB", "20"))
    IMPORT_INLINE_BYTES = int(os.environ.get("IMPORT_INLINE_BYTES", str(256 * 1024)))

    # The province's yearly target of accumulated points per member (DESIGN §5); configurable by regulation.
    POINTS_YEARLY_TARGET = int(os.environ.get("POINTS_YEARLY_TARGET", "100"))
    # How many proxies in front set X-Forwarded-For/-Proto/-Host (nginx: 1). 0 ignores those headers,
    # as it must when clients reach the app directly (they could forge their address).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Days an ended or unusable login session stays listed before the nightly job deletes it.
    SESSION_RETENTION_DAYS = int(os.environ.get("SESSION_RETENTION_DAYS", "30"))
    # Seconds a member's "Hôm nay" reading items are kept per process (0: computed on every visit).
    # Their own reading shows at once; what others publish shows within this time.
    TODAY_CACHE_SECONDS = int(os.environ.get("TODAY_CACHE_SECONDS", "60"))

    # Password guessing (login, re-authentication, password change), counted across all workers
    # (handbook/auth/attempts.py): per (account, address) and per account from devices it has never
    # logged in on; a known device (signed cookie, DEVICE_COOKIE_DAYS) only by its own counter.
    # The limit per address is LOGIN_RATE_LIMIT below.
    LOGIN_ACCOUNT_ADDRESS_LIMIT = os.environ.get("LOGIN_ACCOUNT_ADDRESS_LIMIT", "5/15minutes")
    LOGIN_ACCOUNT_LIMIT = os.environ.get("LOGIN_ACCOUNT_LIMIT", "10/15minutes;100/day")
    LOGIN_DEVICE_LIMIT = os.environ.get("LOGIN_DEVICE_LIMIT", "10/15minutes")
    DEVICE_COOKIE_DAYS = int(os.environ.get("DEVICE_COOKIE_DAYS", "365"))
    # Days a one-time activation code (handbook/auth/activation.py) works after it is issued.
    ACTIVATION_CODE_DAYS = int(os.environ.get("ACTIVATION_CODE_DAYS", "30"))

    # Personal data: the notice members acknowledge, how recent a login exports need, headers, limits.
    DATA_NOTICE_VERSION = os.environ.get("DATA_NOTICE_VERSION", "2026-01")
    REAUTH_MINUTES = int(os.environ.get("REAUTH_MINUTES", "15"))
    SESSION_TOUCH_SECONDS = int(os.environ.get("SESSION_TOUCH_SECONDS", "60"))
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    FORCE_HSTS = _bool("FORCE_HSTS")  # behind a proxy that terminates TLS
    # With Redis the security limits count there; without it, in the database:
    # either way every worker shares them (handbook/throttle.py).
    REDIS_URL = os.environ.get("REDIS_URL") or None
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10/minute;50/hour")
    EXPORT_RATE_LIMIT = os.environ.get("EXPORT_RATE_LIMIT", "10/minute;100/hour")

    FLASK_ADMIN_SWATCH = "default"
    FLASK_ADMIN_FLUID_LAYOUT = True


class TestConfig(Config):
    """Settings for the test suite: a throwaway database, fast hashing."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # The test client and the live server speak plain HTTP.
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = False
    # The suite logs in hundreds of times from one address; the limits are tested on their own.
    LOGIN_RATE_LIMIT = "100000/minute"
    LOGIN_ACCOUNT_ADDRESS_LIMIT = LOGIN_ACCOUNT_LIMIT = LOGIN_DEVICE_LIMIT = "100000/minute"
    EXPORT_RATE_LIMIT = "100000/minute"
    REDIS_URL = None  # the Redis-backed limits are tested on their own
