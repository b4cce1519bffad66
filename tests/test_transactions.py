"""Which database errors make a unit of work run again (conflicts with a concurrent writer
only), and which mean the database is down (answered 503, never run again)."""
import sqlite3

import psycopg
import pymysql
import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, ProgrammingError

from wms.db_errors import is_conflict, is_outage
from wms.services import in_transaction


class PsycopgLike(Exception):
    def __init__(self, sqlstate):
        super().__init__("message")
        self.sqlstate = sqlstate


def pymysql_error(cls, code):
    error = cls(code, "message")
    error.sqlstate = "23000"  # what the driver reports for every integrity error
    return error


def sqlite_error(cls, name):
    error = cls("message")
    error.sqlite_errorname = name
    return error


@pytest.mark.parametrize("wrapper, orig, retried", [
    (IntegrityError, PsycopgLike("23505"), True),  # unique violation
    (IntegrityError, PsycopgLike("23503"), False),  # foreign key
    (OperationalError, PsycopgLike("40P01"), True),  # deadlock
    (OperationalError, PsycopgLike("40001"), True),  # serialization failure
    (IntegrityError, pymysql_error(pymysql.err.IntegrityError, 1062), True),  # duplicate key
    (IntegrityError, pymysql_error(pymysql.err.IntegrityError, 1452), False),  # foreign key
    (OperationalError, pymysql_error(pymysql.err.OperationalError, 1213), True),  # deadlock
    (OperationalError, pymysql_error(pymysql.err.OperationalError, 2013), False),  # lost link
    (IntegrityError, sqlite_error(sqlite3.IntegrityError, "SQLITE_CONSTRAINT_UNIQUE"), True),
    (IntegrityError, sqlite_error(sqlite3.IntegrityError, "SQLITE_CONSTRAINT_FOREIGNKEY"), False),
    (OperationalError, sqlite_error(sqlite3.OperationalError, "SQLITE_BUSY"), True),
])
def test_only_conflicts_are_retried(wrapper, orig, retried):
    assert is_conflict(wrapper("INSERT ...", {}, orig)) is retried


def psycopg_error(sqlstate=None):
    """A psycopg error as the driver raises it: from the server with its sqlstate, or from the
    client's side of the connection without one."""
    if sqlstate is None:
        return psycopg.OperationalError("connection failed: Connection refused")
    return psycopg.errors.lookup(sqlstate)("message")


@pytest.mark.parametrize("wrapper, orig, outage", [
    (OperationalError, psycopg_error(), True),  # refused, closed, lost
    (OperationalError, psycopg_error("57P01"), True),  # administrator shutdown
    (OperationalError, psycopg_error("57P03"), True),  # starting up
    (OperationalError, psycopg_error("08006"), True),  # connection failure
    (OperationalError, psycopg_error("53300"), True),  # too many connections
    (OperationalError, psycopg_error("40P01"), False),  # deadlock: retried instead
    (OperationalError, psycopg_error("40001"), False),  # serialization failure: retried
    (OperationalError, psycopg_error("57014"), False),  # statement timeout
    (OperationalError, psycopg_error("55P03"), False),  # lock not available
    (IntegrityError, psycopg_error("23505"), False),
    (OperationalError, pymysql_error(pymysql.err.OperationalError, 2003), True),  # refused
    (OperationalError, pymysql_error(pymysql.err.OperationalError, 2013), True),  # lost
    (OperationalError, pymysql_error(pymysql.err.OperationalError, 2006), True),  # gone away
    (InterfaceError, pymysql_error(pymysql.err.InterfaceError, 0), True),  # closed
    (OperationalError, pymysql_error(pymysql.err.OperationalError, 1213), False),  # deadlock
    (OperationalError, pymysql_error(pymysql.err.OperationalError, 1205), False),  # lock wait
    (ProgrammingError, pymysql_error(pymysql.err.ProgrammingError, 1146), False),  # no table
    (OperationalError, sqlite_error(sqlite3.OperationalError, "SQLITE_CANTOPEN"), True),
    (OperationalError, sqlite_error(sqlite3.OperationalError, "SQLITE_IOERR_READ"), True),
    (OperationalError, sqlite_error(sqlite3.OperationalError, "SQLITE_BUSY"), False),
    (OperationalError, sqlite_error(sqlite3.OperationalError, "SQLITE_LOCKED"), False),
    (OperationalError, sqlite_error(sqlite3.OperationalError, "SQLITE_ERROR"), False),
    (InterfaceError, sqlite_error(sqlite3.InterfaceError, "SQLITE_MISUSE"), False),
])
def test_outages_are_told_from_conflicts_and_bugs(wrapper, orig, outage):
    assert is_outage(wrapper("SELECT ...", {}, orig)) is outage


def test_a_disconnect_sqlalchemy_noticed_is_an_outage():
    error = OperationalError("SELECT 1", {}, psycopg_error("XX000"), connection_invalidated=True)

    assert is_outage(error)


def test_an_outage_is_not_run_again(ctx):
    """A dead server is not asked again (and a lost COMMIT may have happened)."""
    calls = []

    def operation():
        calls.append(1)
        raise OperationalError("UPDATE ...", {}, psycopg_error())

    with pytest.raises(OperationalError):
        in_transaction(operation)

    assert calls == [1]


def test_a_conflict_is_run_again(ctx):
    calls = []

    def operation():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("UPDATE ...", {}, psycopg_error("40P01"))
        return "done"

    assert in_transaction(operation) == "done"
    assert len(calls) == 3
