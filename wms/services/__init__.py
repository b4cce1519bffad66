"""Operations on the data. Each is one transaction that commits or rolls back as a whole.

Services never read `request` or call `abort()`: they take plain values and raise ApiError.
"""
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, OperationalError

from wms.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who asks for a change: the token's user (if any) and client."""

    user_id: int | None
    client_id: int | None


IN_UNIT_OF_WORK = "wms.unit_of_work"


@contextmanager
def unit_of_work():
    info = db.session.info
    try:
        info[IN_UNIT_OF_WORK] = True
        _begin_writing(db.session)
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        info.pop(IN_UNIT_OF_WORK, None)


def _begin_writing(session):
    """SQLite: take the database's write lock before the unit of work reads anything.

    SQLite has no row locks (`FOR UPDATE` is dropped) and Python's sqlite3 only opens a
    transaction at the first write, so what a service read before writing could be stale by
    then: concurrent rack mappings all read the same last rack and all but one fail. `BEGIN
    IMMEDIATE` makes writers take turns (waiting up to `busy_timeout`) and read the latest data,
    which is what the row locks give on PostgreSQL. Readers are not blocked (WAL).
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# Where a concurrent writer got in first, by driver: the operation is worth running again.
_CONFLICTS = {
    "23505", "40001", "40P01",  # PostgreSQL: unique violation, serialization failure, deadlock
    1062, 1213, 1205,  # MariaDB: duplicate key, deadlock, lock wait timeout
    "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED",
}


def _conflict(error):
    """A unique-constraint clash or a lock conflict; a foreign key or NOT NULL failure is not,
    it fails the same way every time."""
    orig = error.orig
    # psycopg names it in sqlstate, sqlite3 in sqlite_errorname, PyMySQL in args[0] (its
    # sqlstate is the generic 23000 of every integrity error).
    codes = {getattr(orig, "sqlstate", None), getattr(orig, "sqlite_errorname", None),
             orig.args[0] if orig.args and isinstance(orig.args[0], (int, str)) else None}
    return bool(codes & _CONFLICTS)


def in_transaction(operation, attempts=4):
    """Run `operation()` in a unit of work; run it again if a concurrent writer got in first.

    Concurrent scanners meet at unique constraints (two of them placing the same SKU, two racks
    mapped at once): the loser rolls back and re-reads, and then finds what the winner wrote.

    Called inside another operation's unit of work, `operation` joins that transaction: it
    commits, rolls back and is run again with it (an idempotent request stores its answer in
    the transaction of the write it answers).
    """
    if db.session.info.get(IN_UNIT_OF_WORK):
        return operation()
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work():
                return operation()
        except (IntegrityError, OperationalError) as error:
            if attempt == attempts or not _conflict(error):
                raise
