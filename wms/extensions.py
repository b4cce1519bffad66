"""Extension objects, created unbound and bound to the app in create_app()."""
import time

import sqlalchemy as sa
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after commit: services return what they wrote, views dump it.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(render_as_batch=True, compare_type=True)
cors = CORS()
# Counts per client IP (request.remote_addr; PROXY_FIX_X_FOR makes it the forwarded one). The
# Limiter is one object per process, as the app is in production: each init_app() gives it that
# app's storage (so a test's new app starts from empty memory counts).
limiter = Limiter(key_func=get_remote_address)


# Seconds a SQLite writer waits for its turn (wms/writer_lock.py) and for the database's write
# lock before its request fails.
SQLITE_BUSY_TIMEOUT = 10


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, wait for locks instead of failing, let readers and a writer
    work at once (several gunicorn workers share the file)."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# A pooled connection that sat unused this long is tested before use (the database may have
# restarted meanwhile). One in steady use is not: SQLAlchemy's pool_pre_ping would cost every
# request a round trip. A connection that died while in use fails its request with a 503
# (wms/db_errors.py), and the pool then drops every connection made before the failure.
PING_AFTER_IDLE = 2.0


@sa.event.listens_for(sa.pool.Pool, "checkin")
def _checked_in(dbapi_connection, connection_record):
    connection_record.info["checked_in"] = time.monotonic()


@sa.event.listens_for(sa.pool.Pool, "checkout")
def _ping_if_idle(dbapi_connection, connection_record, connection_proxy):
    idle_since = connection_record.info.get("checked_in")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    except Exception as error:  # the driver's own error classes: any failure means gone
        raise sa.exc.DisconnectionError(str(error)) from error
    finally:
        try:
            cursor.close()
        except Exception:
            pass
