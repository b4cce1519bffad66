"""Operations on the data. Each is one transaction that commits or rolls back as a whole.

Services never read `request` or call `abort()`: they take plain values and raise ApiError.
"""
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, OperationalError

from wms.db_errors import is_conflict
from wms.extensions import SQLITE_BUSY_TIMEOUT, db
from wms.writer_lock import Turn, lock_path, writer_turn


@dataclass(frozen=True)
class Actor:
    """Who asks for a change: the token's user (if any) and client."""

    user_id: int | None
    client_id: int | None


IN_UNIT_OF_WORK = "wms.unit_of_work"


def given(**values):
    """The values that were given (not None): the parameters of a statement built once, with a
    bound parameter for each filter a request may give."""
    return {name: value for name, value in values.items() if value is not None}


@contextmanager
def unit_of_work():
    info = db.session.info
    outer = info.get(IN_UNIT_OF_WORK)
    try:
        info[IN_UNIT_OF_WORK] = True
        with _writing(db.session):  # committed or rolled back before the next writer starts
            try:
                yield db.session
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
    except BaseException:
        db.session.rollback()  # (also when the write could not begin)
        raise
    finally:
        if not outer:
            info.pop(IN_UNIT_OF_WORK, None)


# In session.info while the session holds the writers' turn (wms/writer_lock.py).
HOLDS_TURN = "wms.writer_turn"


@contextmanager
def _writing(session):
    """SQLite: take the database's write lock before the unit of work reads anything, in turn
    with the other writers (wms/writer_lock.py), until the unit of work ends.

    SQLite has no row locks (`FOR UPDATE` is dropped) and Python's sqlite3 only opens a
    transaction at the first write, so what a service read before writing could be stale by
    then: concurrent rack mappings all read the same last rack and all but one fail. `BEGIN
    IMMEDIATE` makes writers take turns and read the latest data, which is what the row locks
    give on PostgreSQL. Readers are not blocked (WAL).
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite" or \
            connection.connection.dbapi_connection.in_transaction:
        yield
        return
    path = lock_path(connection.engine.url)
    if path is None or session.info.get(HOLDS_TURN):  # in memory, or its turn already
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield
        return
    with writer_turn(path, SQLITE_BUSY_TIMEOUT) as turn:
        if turn is Turn.TIMED_OUT:
            _begin_now(connection)
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        session.info[HOLDS_TURN] = True
        try:
            yield
        finally:
            session.info.pop(HOLDS_TURN, None)


def _begin_now(connection):
    """BEGIN IMMEDIATE without waiting in SQLite's busy handler: a writer that waited the whole
    busy timeout for its turn fails now if the database is still locked, as it would have
    without the turns."""
    connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT * 1000}")


def in_transaction(operation, attempts=4):
    """Run `operation()` in a unit of work; run it again if a concurrent writer got in first.

    Concurrent scanners meet at unique constraints (two of them placing the same SKU, two racks
    mapped at once): the loser rolls back and re-reads, and then finds what the winner wrote.
    Anything else, a lost connection included, is raised at once (wms.db_errors).

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
            if attempt == attempts or not is_conflict(error):
                raise
