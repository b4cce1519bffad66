"""Operations on the data. Each is one transaction that commits or rolls back as a whole.

Services never read `request` or call `abort()`: they take plain values and raise ApiError.
"""
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, OperationalError

from wms.db_errors import is_conflict
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
