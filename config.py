"""Configuration, read from the environment. See README.md for every variable."""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

YEAR = 365 * 24 * 60 * 60


def as_bool(value, default=False):
    """Read a yes/no environment value ("1", "true", "yes", "on" are true)."""
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url):
    """Accept the URLs people paste and pick the drivers the project installs: psycopg 3 for
    PostgreSQL (postgres://, postgresql://), PyMySQL for MariaDB and MySQL."""
    scheme, sep, rest = url.partition("://")
    drivers = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg",
               "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}
    return f"{drivers.get(scheme, scheme)}{sep}{rest}"


def engine_options(url, options, connect_timeout=None):
    """MariaDB reads at READ COMMITTED, as PostgreSQL does: a service that locks a row must then
    see what was committed before the lock, not its transaction's older snapshot.

    A database server that does not answer fails a connection attempt after `connect_timeout`
    seconds (503, wms.errors) instead of holding the worker until gunicorn kills it."""
    if url.startswith(("postgresql", "mysql", "mariadb")) and connect_timeout:
        connect_args = {**options.get("connect_args", {}), "connect_timeout": connect_timeout}
        options = {**options, "connect_args": connect_args}
    if url.startswith(("mysql", "mariadb")):
        return {**options, "isolation_level": "READ COMMITTED"}
    return options


def _int(name, default):
    return int(os.environ.get(name) or default)


class Config:
    # Signs sessions and the web UI's token cookie. Never a default: without the variable the
    # key is read from SECRET_KEY_FILE (instance/secret-key, which `make setup` writes once with
    # a random key); with neither, the app refuses to start (wms/security.py).
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SECRET_KEY_FILE = os.environ.get("SECRET_KEY_FILE", "")
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'wms.db'}"
    )
    # Connections idle for a while are tested before use (wms/extensions.py), not every one.
    SQLALCHEMY_ENGINE_OPTIONS = {}
    # Seconds to wait for a PostgreSQL or MariaDB server to accept a connection.
    DATABASE_CONNECT_TIMEOUT = _int("DATABASE_CONNECT_TIMEOUT", 5)

    # PEM text or a file path; empty means instance/oauth-*.key (made by `flask oauth keys`).
    OAUTH_PRIVATE_KEY = os.environ.get("OAUTH_PRIVATE_KEY", "")
    OAUTH_PUBLIC_KEY = os.environ.get("OAUTH_PUBLIC_KEY", "")
    OAUTH_KEY_BITS = _int("OAUTH_KEY_BITS", 4096)
    ACCESS_TOKEN_LIFETIME = _int("ACCESS_TOKEN_LIFETIME", YEAR)
    REFRESH_TOKEN_LIFETIME = _int("REFRESH_TOKEN_LIFETIME", YEAR)
    PERSONAL_ACCESS_TOKEN_LIFETIME = _int("PERSONAL_ACCESS_TOKEN_LIFETIME", YEAR)
    AUTH_CODE_LIFETIME = _int("AUTH_CODE_LIFETIME", 10 * 60)
    # The issuer named in metadata and introspection; empty means the URL requests come to.
    OAUTH_ISSUER = os.environ.get("OAUTH_ISSUER", "").rstrip("/")

    # Werkzeug hash method for client secrets.
    SECRET_HASH_METHOD = os.environ.get("SECRET_HASH_METHOD", "scrypt")

    CORS_ORIGINS = [o.strip() for o in os.environ.get("CORS_ORIGINS", "*").split(",") if o.strip()]
    PER_PAGE_MAX = _int("PER_PAGE_MAX", 500)
    # No request of this API is bigger; larger bodies get a 413 before anything parses them.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 1024 * 1024)

    # Rate limits (Flask-Limiter, wms/ratelimit.py), counted per client IP. memory:// counts in
    # each worker process; redis://host:6379/0 shares the counts between workers and servers.
    RATELIMIT_ENABLED = as_bool(os.environ.get("RATELIMIT_ENABLED"), default=True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    # Begins every key the limits write (several apps sharing one Redis keep apart).
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    # Passed to the Redis client (a parameter in the URL wins); the memory storage ignores them.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # A window starts at a key's first hit, as Laravel's throttle does.
    RATELIMIT_STRATEGY = "fixed-window"
    # Storage unreachable: log it and let the request through rather than answer 500.
    RATELIMIT_SWALLOW_ERRORS = True
    # wms/ratelimit.py sends Laravel's headers instead of Flask-Limiter's.
    RATELIMIT_HEADERS_ENABLED = False
    # A limits string ("60 per minute", "10 per minute; 100 per hour"); empty means no limit.
    # Laravel's API default: room for a store's scanners behind one address asking at shift start.
    OAUTH_TOKEN_RATE_LIMIT = os.environ.get("OAUTH_TOKEN_RATE_LIMIT", "60 per minute")
    # Behind N reverse proxies that set X-Forwarded-For, N: the client IP is then read from it.
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)

    # Sign-in with a session cookie (wms/api/auth.py): Flask's signed cookie, no server state.
    SESSION_COOKIE_SECURE = as_bool(os.environ.get("SESSION_COOKIE_SECURE"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME", 2 * 60 * 60)
    # POST /oauth/token/refresh: the web UI's short-lived HttpOnly token cookie.
    TOKEN_COOKIE_NAME = os.environ.get("TOKEN_COOKIE_NAME", "laravel_token")
    TOKEN_COOKIE_LIFETIME = _int("TOKEN_COOKIE_LIFETIME", 15 * 60)
    # Attempts at POST /login per client IP (every attempt counts, as for /oauth/token).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

    # The shapes the six routes where spec/01 and the 2019 clients disagree answer in: "spec"
    # (spec/01) or "clients-2019" (the stores' 2019 web UI and scanner app, spec/06).
    CLIENT_SHAPES = os.environ.get("CLIENT_SHAPES") or "spec"

    # Seconds a scan's idempotency key (Idempotency-Key, scan_id) is kept: a repeat within it
    # gets the first answer. `flask wms purge-scans` deletes older keys.
    IDEMPOTENCY_TTL = _int("IDEMPOTENCY_TTL", 7 * 24 * 60 * 60)

    # POST /api/users without an admin's token: anyone may make an account (off by default).
    ALLOW_REGISTRATION = as_bool(os.environ.get("ALLOW_REGISTRATION"))
    # Attempts at POST /api/users per client IP (admins making many users use
    # POST /api/v1/user/store, which has no limit).
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "10 per minute")

    # The legacy Laravel service's database, read by `flask wms import-legacy` when it is given
    # no --from (a SQLAlchemy URL, as DATABASE_URL); empty: --from is required.
    LEGACY_DATABASE_URL = os.environ.get("LEGACY_DATABASE_URL", "")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = secrets.token_urlsafe(32)  # each test process its own
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("WMS_TEST_DATABASE_URL") or "sqlite://")
    SECRET_HASH_METHOD = "pbkdf2:sha256:1000"
    OAUTH_KEY_BITS = 2048
