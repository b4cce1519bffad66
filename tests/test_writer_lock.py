"""SQLite writers take turns on a file lock before BEGIN IMMEDIATE (wms/writer_lock.py): held for
the whole unit of work, given up when it ends however it ends, never waited for past the busy
timeout, never waited for by the session that holds it, and the next writer goes in when the
last one leaves. Without a file lock to take, writers wait in SQLite's busy handler."""
import errno
import fcntl
import os
import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

import wms.services
import wms.writer_lock
from wms.extensions import db
from wms.models import Store
from wms.services import unit_of_work
from wms.writer_lock import Turn, lock_path, writer_turn


def _free(path):
    """Whether nobody holds the lock at `path` (tried from a descriptor of our own)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)


def _in_thread(function):
    """Run `function` in a thread; what it returned (it must end well within 60 s: a wait that
    never ends fails the test rather than hanging the suite)."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "still waiting"
    return result[0]


@pytest.mark.parametrize("url, path", [
    ("sqlite:////srv/wms/wms.db", "/srv/wms/wms.db-writers.lock"),
    ("sqlite:///relative.db", "relative.db-writers.lock"),
    ("sqlite://", None),
    ("sqlite:///:memory:", None),
    ("sqlite:///file::memory:?cache=shared&uri=true", None),
    ("sqlite:///file:shared?mode=memory&cache=shared&uri=true", None),
    ("sqlite:///file:/srv/wms.db?uri=true", "/srv/wms.db-writers.lock"),
])
def test_lock_path(url, path):
    assert lock_path(sa.make_url(url)) == path


def test_held_inside_and_given_up_after(tmp_path):
    path = str(tmp_path / "db-writers.lock")
    with writer_turn(path, timeout=5) as turn:
        assert turn is Turn.HELD
        assert not _free(path)
    assert _free(path)
    with pytest.raises(ZeroDivisionError):
        with writer_turn(path, timeout=5):
            1 / 0
    assert _free(path)


def test_a_writer_does_not_wait_past_its_timeout(tmp_path):
    """A lock nobody gives up (a stuck process) delays a writer by the timeout at most."""
    path = str(tmp_path / "db-writers.lock")

    def second():
        with writer_turn(path, timeout=0) as turn:
            return turn

    with writer_turn(path, timeout=5):
        assert _in_thread(second) is Turn.TIMED_OUT


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
        with writer_turn(path, timeout=30) as turn:
            events.append(f"second in, {turn.value}")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(10)
    leave.set()
    for thread in threads:
        thread.join(30)
    assert events == ["first in", "first out", "second in, held"]


def test_no_file_lock_to_take(tmp_path, monkeypatch):
    """A file system without flock (ENOLCK), or a file that cannot be made: no turn, no error."""
    def refuse(descriptor, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(wms.writer_lock.fcntl, "flock", refuse)
    with writer_turn(str(tmp_path / "db-writers.lock"), timeout=5) as turn:
        assert turn is Turn.UNAVAILABLE
    with writer_turn(str(tmp_path / "missing" / "db-writers.lock"), timeout=5) as turn:
        assert turn is Turn.UNAVAILABLE


@pytest.fixture
def sqlite_ctx(ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's writers only")
    return lock_path(db.engine.url)


def _stores():
    return db.session.scalar(sa.select(sa.func.count(Store.id)))


def test_a_unit_of_work_holds_it_until_it_commits_or_rolls_back(sqlite_ctx):
    path = sqlite_ctx
    with unit_of_work() as session:
        assert not _free(path)
        session.add(Store(name="Norte", number="7"))
    assert _free(path) and _stores() == 1
    with pytest.raises(ZeroDivisionError):
        with unit_of_work() as session:
            session.add(Store(name="Sur", number="8"))
            assert not _free(path)
            1 / 0
    assert _free(path) and _stores() == 1
    assert not db.session.connection().connection.dbapi_connection.in_transaction


def test_units_of_work_inside_one_never_wait_for_its_turn(sqlite_ctx, monkeypatch):
    """A unit of work that commits inside another leaves the outer's turn held: the next one
    inside it begins at once instead of waiting for the turn its own session holds."""
    turns = []
    real = wms.services.writer_turn

    def recording(path, timeout):
        turns.append(timeout)
        return real(path, timeout)

    monkeypatch.setattr(wms.services, "writer_turn", recording)
    with unit_of_work() as session:
        for number in range(2):
            with unit_of_work() as inner:
                inner.add(Store(name=f"Bodega {number}", number=str(number)))
        session.add(Store(name="Fuera", number="9"))
    assert turns == [wms.services.SQLITE_BUSY_TIMEOUT] and _stores() == 3


def test_a_unit_of_work_whose_turn_timed_out_fails_at_once_if_the_database_is_locked(
        sqlite_ctx, monkeypatch):
    """After waiting the whole busy timeout for its turn, a writer does not wait as long again
    in SQLite's busy handler: its BEGIN IMMEDIATE runs with no busy timeout (a locked database
    fails it now: a 503 for a request), and the busy timeout is back for what comes next."""
    @contextmanager
    def timed_out(path, timeout):
        yield Turn.TIMED_OUT

    monkeypatch.setattr(wms.services, "writer_turn", timed_out)
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    other = sa.create_engine(db.engine.url)
    try:
        with other.connect() as holder:
            holder.exec_driver_sql("BEGIN IMMEDIATE")
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                with unit_of_work() as session:
                    session.add(Store(name="Tarde", number="5"))
            holder.rollback()
    finally:
        other.dispose()
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert statements[-3:] == ["PRAGMA busy_timeout = 0", "BEGIN IMMEDIATE",
                               f"PRAGMA busy_timeout = {wms.services.SQLITE_BUSY_TIMEOUT * 1000}"]
    assert db.session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    assert _stores() == 0
