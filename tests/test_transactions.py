"""Which database errors make a unit of work run again: conflicts with a concurrent writer only."""
import sqlite3

import pymysql
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from wms.services import _conflict


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
    assert _conflict(wrapper("INSERT ...", {}, orig)) is retried
