"""SQLite: writers queue on a file lock, so that the next one starts as soon as the last ends.

SQLite lets one writer at a time. A writer that finds the write lock taken waits in SQLite's
busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between its tries:
under a steady stream of writes from several workers, a waiter wakes while another writer holds
the lock, sleeps longer each time and falls behind by tens of milliseconds (the p99 of writes in
`make bench`). So before `BEGIN IMMEDIATE` a unit of work takes an exclusive `flock` on
`<database file>-writers.lock`, trying every half millisecond.

The file lock only orders the writers; the database's own lock still decides. A writer that does
not take it (a write outside a unit of work) is waited for by SQLite as before; a writer that
could not get it within the busy timeout goes on without it; the lock goes with its file
descriptor, so a worker that dies holds nothing.
"""
import fcntl
import os
import time
from contextlib import contextmanager

# Between two tries of a waiting writer.
POLL_SECONDS = 0.0005


def lock_path(url):
    """The lock file of the SQLite database at `url` (sqlalchemy URL), or None for a database
    in memory."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    if database.startswith("file:"):
        database = database[len("file:"):].split("?", 1)[0]
    return f"{database}-writers.lock"


@contextmanager
def writer_turn(path, timeout):
    """Hold the writers' lock at `path` (waiting at most `timeout` seconds for it)."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # a directory it cannot write: SQLite's lock alone orders the writers
        yield
        return
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(POLL_SECONDS)
        yield
    finally:
        os.close(descriptor)  # and with it the lock
