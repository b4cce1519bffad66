"""Faults under a load of moves, on a real gunicorn server in front of PostgreSQL (PostgreSQL
only; bounded, stopping by themselves).

- The database goes away for a few seconds (a TCP proxy between gunicorn and PostgreSQL is cut:
  the shared server is never touched): answers are 503 JSON with Retry-After, never 500; once it
  is back every request succeeds again, without a restart; the movements written meanwhile
  replay to exactly the placements there are.
- A worker is killed (SIGKILL) in the middle of a write: nothing of that write stays, the master
  starts a new worker and the service goes on.

Nothing here depends on the machine's speed: the tests wait for conditions (bounded), never for
a time, and assert what must hold whatever the timing.
"""
import threading
import time
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.servers import (DEADLINE, Gunicorn, call, client_token, demo_site, ledger_state,
                           needs_postgresql, process_with_connection, replay, wait_for)
from tests.tcp_proxy import TcpProxy

pytestmark = needs_postgresql

LOCATE = "/api/v1/locationvariation/locateitemscan"
MOVE = "/api/v1/locationvariation/moveitemscan"
UNAVAILABLE = {"message": "Servicio no disponible: la base de datos no responde."}
# Each lane: a SKU of its own and two locations of its own (demo data), so that every request
# of a lane succeeds whatever the others do.
LANES = [("2000201", "R3-A1-N1", "R3-B1-N1"), ("2000211", "R3-A2-N1", "R3-B2-N1"),
         ("2000221", "R3-A3-N1", "R3-B3-N1")]
# Requests each lane gets through after the fault before it stops.
AFTER = 6
# The write the kill interrupts: a SKU placed nowhere in the demo data, and an empty location.
VICTIM_SKU, VICTIM_CODE = "2000301", "R3-A1-N4"


class Load:
    """One thread per lane: locate its SKU in its first location, then move it to its second,
    over and over (a locate after a move places it anew; a move onto a location that holds it
    merges). Every answer is kept with the phase the test was in while it was sent and served."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.phase = "before"
        self.answers = []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(lane,), daemon=True)
                         for lane in LANES]
        self._deadline = time.monotonic() + 3 * DEADLINE
        for thread in self._threads:
            thread.start()

    def _send(self, lane, path, body):
        sent_in = self.phase
        answer = call(self.port, "POST", path, body=body, token=self.token, quiet=True)
        # A request waiting for a worker is served later than it was sent: a phase it was both
        # sent and answered in is the one it was served in.
        phase = sent_in if self.phase == sent_in else "between"
        with self._lock:
            self.answers.append((lane, phase, answer))
        return answer.status == 200

    def _run(self, lane):
        sku, here, there = lane
        while self.count(lane=lane, phase="after", status=200) < AFTER \
                and time.monotonic() < self._deadline:
            if self._send(lane, LOCATE, {"warehouse_id": 1, "sku": sku, "mapped_string": here}):
                self._send(lane, MOVE, {"warehouse_id_from": 1, "mapped_string_from": here,
                                        "warehouse_id_to": 1, "mapped_string_to": there,
                                        "sku": sku})

    def select(self, lane=None, phase=None, status=None):
        with self._lock:
            return [answer for lane_, phase_, answer in self.answers
                    if lane in (None, lane_) and phase in (None, phase_)
                    and status in (None, answer.status)]

    def count(self, **where):
        return len(self.select(**where))

    def running(self):
        return all(self.count(lane=lane, status=200) for lane in LANES)

    def finish(self):
        """Let each lane get AFTER answers through in the "after" phase, then stop."""
        self.phase = "after"
        for thread in self._threads:
            thread.join(max(0.0, self._deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in self._threads), "the load did not end"
        for lane in LANES:
            assert self.count(lane=lane, phase="after", status=200) >= AFTER, Counter(
                answer.status for answer in self.select(lane=lane, phase="after"))

    def statuses(self, phase=None):
        return Counter(answer.status for answer in self.select(phase=phase))


@pytest.fixture(scope="module")
def stack(config_class, key_pair, tmp_path_factory):
    """A migrated schema with the demo data, a proxy in front of PostgreSQL, and gunicorn
    (two workers) connected through it under an application name of its own."""
    folder = tmp_path_factory.mktemp("faults")
    with demo_site(config_class, key_pair, folder) as site:
        url = sa.make_url(site.url)
        with TcpProxy((url.host, url.port or 5432)) as proxy:
            name = f"wms-faults-{uuid.uuid4().hex[:8]}"
            through_proxy = url.set(host="127.0.0.1", port=proxy.port).update_query_dict(
                {"application_name": name}).render_as_string(hide_password=False)
            engine = site.engine()
            try:
                with Gunicorn.running(folder, {**site.environ,
                                               "DATABASE_URL": through_proxy}) as [server]:
                    yield site, proxy, server, engine, name
            finally:
                engine.dispose()


def test_an_outage_is_503_then_service_resumes_and_the_ledger_replays(stack):
    site, proxy, server, engine, _name = stack
    start, last_movement = ledger_state(engine)
    logged_before = len(server.errors()), len(server.output())
    load = Load(server.port, client_token(server.port, site))
    wait_for(load.running, "every lane to get a request through")

    proxy.cut()
    cut_at = time.monotonic()
    load.phase = "down"
    # A few seconds down, and long enough for every lane to be refused at least once.
    wait_for(lambda: all(load.count(lane=lane, phase="down") for lane in LANES)
             and time.monotonic() - cut_at >= 2, "requests while the database is down")
    load.phase = "coming back"
    proxy.restore()
    load.finish()

    statuses = load.statuses()
    assert set(statuses) <= {200, 503}, statuses  # never a 500, never a dropped connection
    down = load.select(phase="down")
    assert down and all(answer.status == 503 for answer in down)
    for answer in down:
        assert answer.json() == UNAVAILABLE
        assert int(answer.headers["Retry-After"]) >= 1
    assert set(load.statuses("after")) == {200}

    # One log line per refusal, no traceback, nothing logged as an error.
    errors, output = server.errors()[logged_before[0]:], server.output()[logged_before[1]:]
    assert errors.count("database unavailable") == statuses[503]
    assert output.count(" status=503 ") == statuses[503]
    assert "Traceback" not in errors and "[ERROR]" not in errors

    placed, _last = ledger_state(engine)
    replayed, movements = replay(engine, start, last_movement)
    assert movements >= len(LANES) * AFTER
    assert replayed == placed


def test_a_worker_killed_mid_write_leaves_nothing_of_it(stack):
    site, proxy, server, engine, name = stack
    start, last_movement = ledger_state(engine)
    with engine.connect() as conn:
        variation, location = conn.execute(sa.text(
            "SELECT v.id, l.id FROM variations v, warehouse_locations l "
            "WHERE v.sku = :sku AND l.warehouse_id = 1 AND l.mapped_string = :code"),
            {"sku": VICTIM_SKU, "code": VICTIM_CODE}).one()
    assert (variation, location) not in start
    token = client_token(server.port, site)
    load = Load(server.port, token)
    wait_for(load.running, "every lane to get a request through")

    victim = {}
    locate_victim = {"warehouse_id": 1, "sku": VICTIM_SKU, "mapped_string": VICTIM_CODE}
    with engine.connect() as holder:
        # An uncommitted placement of the same SKU and location: the request's INSERT of its
        # placement waits on the unique index, its movement already written.
        holding = holder.begin()
        holder.execute(sa.text(
            "INSERT INTO location_variations (warehouselocation_id, warehouse_id, variation_id) "
            "VALUES (:location, 1, :variation)"), {"location": location, "variation": variation})
        thread = threading.Thread(target=lambda: victim.update(answer=call(
            server.port, "POST", LOCATE, body=locate_victim, token=token, quiet=True)),
            daemon=True)
        thread.start()
        backend, client_port = wait_for(lambda: _waiting_writer(engine, name),
                                        "the request to wait in the middle of its write")
        workers = server.worker_pids()
        worker = wait_for(lambda: process_with_connection(
            workers, proxy.client_port(client_port), proxy.port), "the worker of that request")
        server.kill_worker(worker)
        thread.join(DEADLINE)
        holding.rollback()

    assert "answer" in victim, "the killed worker's request did not end"
    assert victim["answer"].status is None  # its connection died with the worker
    wait_for(lambda: not _backend_alive(engine, backend), "the killed worker's transaction")
    wait_for(lambda: len(server.worker_pids()) == 2 and worker not in server.worker_pids(),
             "the master to start a new worker")
    placed, _last = ledger_state(engine)
    with engine.connect() as conn:
        victim_movements = conn.execute(sa.text(
            "SELECT count(*) FROM movements WHERE id > :last AND variation_id = :variation"),
            {"last": last_movement, "variation": variation}).scalar()
    assert (variation, location) not in placed and victim_movements == 0

    load.finish()
    assert call(server.port, "POST", LOCATE, body=locate_victim, token=token).status == 200
    assert set(load.statuses()) == {200}
    placed, _last = ledger_state(engine)
    replayed, _movements = replay(engine, start, last_movement)
    assert replayed == placed


def _waiting_writer(engine, application_name):
    """(backend pid, client port) of a connection of the server's blocked on a lock while
    inserting a placement, after it wrote (it has a transaction id), else None."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT pid, client_port FROM pg_stat_activity WHERE application_name = :name "
            "AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL "
            "AND query LIKE 'INSERT INTO location_variations%'"),
            {"name": application_name}).first()


def _backend_alive(engine, pid):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                            {"pid": pid}).scalar()
