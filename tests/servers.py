"""Real servers for the tests that need them (PostgreSQL only): a migrated scratch schema with
the demo data, gunicorn processes started with the project's gunicorn.conf.py on ports the
test picks, a plain HTTP client, and the movements ledger replayed.

Every wait is bounded: a server that does not come up, or a condition that never holds, fails
the test within DEADLINE seconds instead of hanging the suite.
"""
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.scratch import scratch_database
from wms import create_app
from wms.extensions import db
from wms.services.clients import create_client
from wms.services.demo import load_demo

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 30

needs_postgresql = pytest.mark.skipif(
    not (os.environ.get("WMS_TEST_DATABASE_URL") or "").startswith("postgresql"),
    reason="runs gunicorn against PostgreSQL: needs WMS_TEST_DATABASE_URL=postgresql...")


def wait_for(condition, what, deadline=DEADLINE, every=0.05):
    """Call `condition()` until it returns something truthy (returned); fail after `deadline`."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting {deadline} s for {what}")
        time.sleep(every)


@dataclass
class Site:
    """A migrated scratch schema with the demo data, a client-credentials client, and the
    secret key and key files its servers share."""

    url: str
    client_id: int
    client_secret: str
    environ: dict

    def engine(self):
        return sa.create_engine(self.url)


@contextmanager
def demo_site(config_class, key_pair, folder):
    """Yield a Site on a new PostgreSQL schema (dropped afterwards), migrated by `flask db
    upgrade` as an operator would."""
    private_key, public_key = folder / "oauth-private.key", folder / "oauth-public.key"
    private_key.write_text(key_pair[0])
    private_key.chmod(0o600)
    public_key.write_text(key_pair[1])
    with scratch_database(TestConfig.SQLALCHEMY_DATABASE_URI) as url:
        app = create_app(type("Config", (config_class,), {"SQLALCHEMY_DATABASE_URI": url}))
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            load_demo()
            client, secret = create_client(name="Scanner")
            db.engine.dispose()
        yield Site(url=url, client_id=client.id, client_secret=secret, environ={
            "DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48),
            "OAUTH_PRIVATE_KEY": str(private_key), "OAUTH_PUBLIC_KEY": str(public_key)})


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py wsgi:app` on a port bound here (handed over as fd://, so no
    other process can take it in between), its output in files under `folder`."""

    def __init__(self, folder, environ, workers=2):
        listener = socket.create_server(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        self.folder = folder
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("COV_CORE", "GUNICORN", "WMS_"))
               and key not in ("HOST", "PORT", "WEB_CONCURRENCY")}
        env.update(environ, WORKERS=str(workers), PYTHONUNBUFFERED="1")
        self.stdout = (folder / f"gunicorn-{self.port}.out").open("wb")
        self.stderr = (folder / f"gunicorn-{self.port}.err").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
             "--bind", f"fd://{listener.fileno()}", "wsgi:app"],
            cwd=ROOT, env=env, pass_fds=[listener.fileno()], stdout=self.stdout,
            stderr=self.stderr)
        listener.close()
        self.workers = workers

    @classmethod
    @contextmanager
    def running(cls, folder, *environs, workers=2):
        """One server per environment (`workers` each), started together; yield them once all
        answer, stop them at the end."""
        servers = [cls(folder, environ, workers) for environ in environs]
        try:
            for server in servers:
                wait_for(server._up, f"gunicorn on port {server.port}")
            yield servers
        finally:
            for server in servers:
                server.stopping()  # all at once: each takes a few seconds
            for server in servers:
                server.stop()

    def _up(self):
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.errors()}")
        return (len(self.worker_pids()) == self.workers
                and call(self.port, "GET", "/healthz", quiet=True).status == 200)

    def worker_pids(self):
        """The live (not zombie) child processes of the master."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == self.process.pid and state != "Z":
                pids.append(int(entry))
        return sorted(pids)

    def kill_worker(self, pid):
        os.kill(pid, signal.SIGKILL)

    def output(self):
        self.stdout.flush()
        return (self.folder / f"gunicorn-{self.port}.out").read_text()

    def errors(self):
        self.stderr.flush()
        return (self.folder / f"gunicorn-{self.port}.err").read_text()

    def stop(self):
        """Quick shutdown (SIGINT: the workers stop at once; nothing here needs a graceful one)."""
        self.stopping()
        try:
            self.process.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stdout.close()
        self.stderr.close()

    def stopping(self):
        """Ask the server to stop, without waiting."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


class NoAnswer:
    """What `call(..., quiet=True)` gives when the connection failed."""

    status = None


def call(port, method, path, *, form=None, body=None, token=None, headers=None, quiet=False,
         timeout=20):
    """One request on a connection of its own; an OSError (a worker killed under it) is raised,
    or with `quiet` answered as NoAnswer."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if form is not None:
        data = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    else:
        data = None
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, data, headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    except (OSError, http.client.HTTPException):
        if quiet:
            return NoAnswer()
        raise
    finally:
        connection.close()


def client_token(port, site):
    answer = call(port, "POST", "/oauth/token", form={
        "grant_type": "client_credentials", "client_id": site.client_id,
        "client_secret": site.client_secret})
    assert answer.status == 200, answer.body
    return answer.json()["access_token"]


# --- The ledger ------------------------------------------------------------------------------

def ledger_state(engine):
    """(placements as a set of (variation id, location id), the last movement's id)."""
    with engine.connect() as conn:
        placed = set(conn.execute(sa.text(
            "SELECT variation_id, warehouselocation_id FROM location_variations")).all())
        last = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM movements")).scalar()
    return placed, last


def replay(engine, start, after_id):
    """The placements `start` becomes when the movements after `after_id` are applied in order,
    each checked against the state it applies to: the variation sits at a movement's source
    (if it has one) and leaves it; it sits at its target (if any) afterwards, and was not there
    before unless the movement is a move (onto a location that holds it: the two merge)."""
    placed = set(start)
    with engine.connect() as conn:
        movements = conn.execute(sa.text(
            "SELECT id, kind, variation_id, from_location_id, to_location_id FROM movements "
            "WHERE id > :after ORDER BY id"), {"after": after_id}).all()
    for number, kind, variation, source, target in movements:
        if source is not None:
            assert (variation, source) in placed, f"movement {number} ({kind}): not at its source"
            placed.discard((variation, source))
        if target is not None:
            assert kind == "move" or (variation, target) not in placed, \
                f"movement {number} ({kind}) places it again"
            placed.add((variation, target))
    return placed, len(movements)


def process_with_connection(pids, local_port, remote_port):
    """Which of `pids` holds the TCP connection from 127.0.0.1:`local_port` to `remote_port`
    (read from /proc: the socket's inode, then the process whose descriptor points at it)."""
    inode = _socket_inode(local_port, remote_port)
    for pid in pids if inode else []:
        if f"socket:[{inode}]" in _descriptors(pid):
            return pid
    return None


def _descriptors(pid):
    """What the process's file descriptors point at (any that closed meanwhile left out)."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []
    targets = []
    for name in names:
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{name}"))
        except OSError:
            pass
    return targets


def _socket_inode(local_port, remote_port):
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
        if (int(local, 16), int(remote, 16)) == (local_port, remote_port):
            return fields[9]
    return None
