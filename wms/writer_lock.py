"""SQLite: writers queue on a file lock, so that the next one starts as soon as the last ends.

SQLite lets one writer at a time. A writer that finds the write lock taken waits in SQLite's
busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between its tries:
under a steady stream of writes from several workers, a waiter wakes while another writer holds
the lock, sleeps longer each time and falls behind by tens of milliseconds (the p99 of writes in
`make bench`). So before `BEGIN IMMEDIATE` a unit of work takes an exclusive `flock` on
`<database file>-writers.lock`, trying again after half a millisecond, then less often (at most
every 2 ms), for at most the busy timeout.

The file lock only orders the writers; the database's own lock still decides. A writer that does
not take it (a write outside a unit of work) is waited for by SQLite as before. Where there is
no file lock to take (a file system without flock, a file it cannot open, no fcntl), the writers
wait in SQLite's busy handler as they did without it. The lock goes with its file descriptor, so
a worker that dies holds nothing.
"""
import logging
import os
import time
from contextlib import contextmanager
from enum import Enum

try:
    import fcntl
except ImportError:  # not a POSIX system: no file lock
    fcntl = None

log = logging.getLogger(__name__)

# Between two tries of a waiting writer: the first wait, and the longest.
FIRST_WAIT, LONGEST_WAIT = 0.0005, 0.002


class Turn(Enum):
    HELD = "held"              # this writer's turn: nobody else who takes turns is writing
    TIMED_OUT = "timed out"    # another writer kept it for the whole timeout
    UNAVAILABLE = "unavailable"  # no file lock here: SQLite's busy handler orders the writers


def lock_path(url):
    """The lock file of the SQLite database at `url` (sqlalchemy URL), or None for a database
    in memory."""
    database = url.database or ""
    if database.startswith("file:"):
        database = database[len("file:"):].split("?", 1)[0]
    if not database or database.startswith(":memory:") or url.query.get("mode") == "memory":
        return None
    return f"{database}-writers.lock"


@contextmanager
def writer_turn(path, timeout):
    """Wait (at most `timeout` seconds) for the writers' lock at `path` and hold it; yields how
    that went (a Turn)."""
    try:
        # Read-only is enough for flock: workers running as another user than the one who made
        # the file can still take turns.
        descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    except (OSError, AttributeError) as e:
        _unavailable(path, e)
        yield Turn.UNAVAILABLE
        return
    try:
        yield _wait(descriptor, path, timeout)
    finally:
        os.close(descriptor)  # and with it the lock


def _wait(descriptor, path, timeout):
    if fcntl is None:
        _unavailable(path, "no fcntl")
        return Turn.UNAVAILABLE
    deadline, wait = time.monotonic() + timeout, FIRST_WAIT
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return Turn.HELD
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return Turn.TIMED_OUT
            time.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)
        except OSError as e:  # ENOLCK, EOPNOTSUPP...: a file system without flock
            _unavailable(path, e)
            return Turn.UNAVAILABLE


_warned = set()


def _unavailable(path, reason):
    if path not in _warned:
        _warned.add(path)
        log.warning("no writers' lock at %s (%s): SQLite's busy handler orders the writers",
                    path, reason)
