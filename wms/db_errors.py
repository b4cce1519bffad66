"""What a database error means, by driver (psycopg, PyMySQL, sqlite3).

- A conflict with a concurrent writer (a unique clash, a deadlock, a lock wait): the operation is
  worth running again (wms.services.in_transaction does).
- An outage (the database refuses connections, or one was lost): nothing the caller did and no
  bug; the request is answered 503 with Retry-After (wms.errors) and the pool reconnects once
  the database is back. An outage is never retried in a unit of work: a lost COMMIT may have
  happened, and a dead server would only be asked again.
"""
from sqlalchemy.exc import InterfaceError, OperationalError

# Where a concurrent writer got in first, by driver: the operation is worth running again.
_CONFLICTS = {
    "23505", "40001", "40P01",  # PostgreSQL: unique violation, serialization failure, deadlock
    1062, 1213, 1205,  # MariaDB: duplicate key, deadlock, lock wait timeout
    "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED",
}

# The database cannot be reached or went away, by driver.
_OUTAGES = {
    # PostgreSQL: shutting down (admin, crash), starting up, too many connections.
    "57P01", "57P02", "57P03", "53300",
    # MariaDB: cannot connect (socket, TCP), server gone away, connection lost (during a query,
    # at the handshake), too many connections, shutting down, connection killed.
    2002, 2003, 2006, 2013, 2055, 2026, 1040, 1053, 1927,
    # SQLite: the file cannot be opened.
    "SQLITE_CANTOPEN",
}


def _codes(error):
    """The codes the driver gave: psycopg's sqlstate, sqlite3's sqlite_errorname, PyMySQL's
    args[0] (its sqlstate, where it has one, is the generic 23000 of every integrity error)."""
    orig = error.orig
    return {getattr(orig, "sqlstate", None), getattr(orig, "sqlite_errorname", None),
            orig.args[0] if orig.args and isinstance(orig.args[0], (int, str)) else None}


def is_conflict(error):
    """A unique-constraint clash or a lock conflict; a foreign key or NOT NULL failure is not,
    it fails the same way every time."""
    return bool(_codes(error) & _CONFLICTS)


def is_outage(error):
    """The database refused the connection or lost it (an OperationalError or InterfaceError of
    SQLAlchemy's); never a conflict, which a retry or the caller resolves."""
    if not isinstance(error, (OperationalError, InterfaceError)) or is_conflict(error):
        return False
    if error.connection_invalidated:  # SQLAlchemy's own disconnect test said so
        return True
    orig, codes = error.orig, _codes(error)
    if codes & _OUTAGES:
        return True
    if type(orig).__module__.split(".")[0] == "psycopg":
        # No sqlstate: failed on the client's side of the connection (refused, closed, lost);
        # class 08: a connection exception the server reported.
        sqlstate = getattr(orig, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith("08")
    # PyMySQL's InterfaceError (0, '') is a connection that is gone; SQLite's I/O errors
    # (SQLITE_IOERR_READ, ...) a file that cannot be read or written.
    return (isinstance(error, InterfaceError) and 0 in codes) or any(
        isinstance(code, str) and code.startswith("SQLITE_IOERR") for code in codes)


def describe(error):
    """One line about the driver's error, for the log: its class and first line. Never
    SQLAlchemy's text, which would add the statement and its parameters."""
    orig = error.orig
    lines = str(orig).strip().splitlines()
    return f"{type(orig).__module__}.{type(orig).__name__}: {lines[0] if lines else ''}"
