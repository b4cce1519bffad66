"""SQLite writers take turns on a file lock before BEGIN IMMEDIATE (wms/writer_lock.py): held for
the whole unit of work, given up when it ends however it ends, never waited for past the busy
timeout, and the next writer goes in when the last one leaves."""
import fcntl
import os
import threading

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.services import unit_of_work
from wms.writer_lock import lock_path, writer_turn


def _free(path):
    """Whether nobody holds the lock at `path` (tried from a descriptor of our own)."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)


@pytest.mark.parametrize("url, path", [
    ("sqlite:////srv/wms/wms.db", "/srv/wms/wms.db-writers.lock"),
    ("sqlite:///relative.db", "relative.db-writers.lock"),
    ("sqlite://", None),
    ("sqlite:///:memory:", None),
    ("sqlite:///file:shared?mode=memory&cache=shared&uri=true", None),
    ("sqlite:///file:/srv/wms.db?uri=true", "/srv/wms.db-writers.lock"),
])
def test_lock_path(url, path):
    assert lock_path(sa.make_url(url)) == path


def test_held_inside_and_given_up_after(tmp_path):
    path = str(tmp_path / "db-writers.lock")
    with writer_turn(path, timeout=5):
        assert not _free(path)
    assert _free(path)
    with pytest.raises(ZeroDivisionError):
        with writer_turn(path, timeout=5):
            1 / 0
    assert _free(path)


def test_a_writer_does_not_wait_past_its_timeout(tmp_path):
    """A lock nobody gives up (a stuck process) delays a writer by the timeout at most; then the
    database's own lock decides."""
    path = str(tmp_path / "db-writers.lock")
    with writer_turn(path, timeout=5):
        with writer_turn(path, timeout=0):
            entered = True
    assert entered


def test_the_next_writer_goes_in_when_the_last_leaves(tmp_path):
    path = str(tmp_path / "db-writers.lock")
    events, holding, leave = [], threading.Event(), threading.Event()

    def first():
        with writer_turn(path, timeout=5):
            events.append("first in")
            holding.set()
            leave.wait(10)
            events.append("first out")

    def second():
        holding.wait(10)
        with writer_turn(path, timeout=30):
            events.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(10)
    leave.set()
    for thread in threads:
        thread.join(30)
    assert events == ["first in", "first out", "second in"]


def test_a_unit_of_work_holds_it_until_it_commits_or_rolls_back(ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's writers only")
    path = lock_path(db.engine.url)
    with unit_of_work():
        assert not _free(path)
    assert _free(path)
    with pytest.raises(ZeroDivisionError):
        with unit_of_work():
            assert not _free(path)
            1 / 0
    assert _free(path)
    assert not db.session.connection().connection.dbapi_connection.in_transaction
