"""Sixteen scanners at once against one gunicorn (four sync workers, gunicorn.conf.py) on
PostgreSQL, over real HTTP (PostgreSQL only; bounded in requests and time, stopping by itself).

Each client thread sends REQUESTS requests drawn by its own seeded random.Random: locates, moves
and removes of a few SKUs among a few locations (so that scanners really collide), undos of
movements it read in the history, offline batches, and re-sends of earlier writes with their
Idempotency-Key (any thread's: sometimes while the first is still in flight, sometimes two at
once on purpose, sometimes long after). Then, whatever the interleaving was:

- no 5xx and no dropped connection; every answer is JSON in its route's shape, every error one
  of the route's own (`message`, and `current` where the route gives it);
- every key was answered one way: one first answer, every repeat got exactly it back (status and
  body) with `Idempotent-Replayed: true`, and a repeat sent after an answer had arrived was never
  an error; the same for the scans of the batches, by their `scan_id`;
- no variation sits twice in one location; the ledger, replayed from the state before the load,
  gives exactly the placements after it, and `flask wms verify-ledger` agrees (counts too);
- every kind of write succeeded and some conflicted, so the test cannot pass on nothing.

A failure names the seed: WMS_SCANLOAD_SEED=N draws the same requests again (the interleaving is
the server's and differs from run to run; the assertions hold for any).
"""
import http.client
import json
import os
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests.servers import (Gunicorn, call, client_token, demo_site, ledger_state,
                           needs_postgresql, replay)
from wms import create_app
from wms.extensions import db
from wms.services.inventory import (ALREADY_UNDONE, CHANGED_SINCE, NOT_AT_SOURCE, NOT_THERE,
                                    UNDO_OF_UNDO)

pytestmark = needs_postgresql

CLIENTS = 16
WORKERS = 4
REQUESTS = 40  # per client; a pair sent at once counts as two
# Seconds for the whole load (it takes 5-25 s on this project's 2-core machine, the more the
# busier), and for one answer (gunicorn's own time-out is 30 s).
LOAD_DEADLINE = 60
ANSWER_DEADLINE = 30
RESEND = 0.25  # of the requests: an earlier write again, with its key
AT_ONCE = 0.08  # of the new writes: sent twice at the same moment
UNKEYED = 0.1  # of the new writes: no key at all
# Three SKUs placed in none of these locations and one placed in the first (demo data), five
# locations of rack 2: each pair is hit by many scanners.
SKUS = ["2000011", "2000021", "2000030", "1861705"]
CODES = ["R2-A1-N1", "R2-B1-N1", "R2-A1-N2", "R2-B1-N2", "R2-A2-N2"]
KINDS = {"locate": 25, "move": 25, "remove": 15, "undo": 15, "batch": 10, "history": 10}
SCAN_KINDS = ("locate", "move", "remove")
# A batch scan's status, as the answer to its scan_id.
SCAN_STATES = {"applied": "first", "replayed": "replayed"}

BASE = "/api/v1/locationvariation"
PATHS = {"locate": f"{BASE}/locateitemscan", "move": f"{BASE}/moveitemscan",
         "remove": f"{BASE}/removeitemfromlocation", "undo": f"{BASE}/undo",
         "batch": f"{BASE}/batch"}
# The errors each kind may meet when scanners collide: (status, message); all others are bugs.
EXPECTED_ERRORS = {
    "locate": set(), "batch": set(), "history": set(),
    "move": {(404, NOT_AT_SOURCE)},
    "remove": {(404, NOT_THERE)},
    "undo": {(409, ALREADY_UNDONE), (409, UNDO_OF_UNDO), (409, CHANGED_SINCE)},
}
PLACEMENT_KEYS = {"id", "warehouselocation_id", "variation_id", "created_at", "updated_at"}
CURRENT_KEYS = {"sku", "variation_id", "locations"}


@dataclass(frozen=True)
class Request:
    kind: str
    path: str
    body: dict | None = None  # a JSON body (a POST); None for the history's GET
    key: str | None = None  # its Idempotency-Key


@dataclass
class Exchange:
    """One request as it went: who sent it, when (monotonic seconds), what came back."""

    client: int
    request: Request
    resend: bool
    sent_at: float
    received_at: float
    status: int | None  # None: the connection failed (`body` says how)
    replayed: str | None  # the Idempotent-Replayed header
    content_type: str
    body: bytes

    def json(self):
        return json.loads(self.body)

    def where(self):
        """The exchange, for a failure's message."""
        return f"client {self.client}: {self.request} -> {self.status} {self.body[:300]!r}"


@dataclass(frozen=True)
class Outcome:
    """An answer to a key (a request's Idempotency-Key, or a batch scan's scan_id): `first`
    (it did the work), `replayed` (a stored answer) or an error; `content` is what must match."""

    key: str
    sent_at: float
    received_at: float
    state: str  # "first", "replayed" or "error"
    content: object
    where: str
    scan: bool = False


class Load:
    """The clients, the requests they sent and what came back."""

    def __init__(self, port, token, seed):
        self.port, self.token, self.seed = port, token, seed
        self.exchanges = []
        self.pool = []  # keyed writes sent so far (any client's), for re-sending
        self.movements = []  # movement ids any client read
        self._lock = threading.Lock()
        self.deadline = time.monotonic() + LOAD_DEADLINE

    def run(self):
        scanners = [Scanner(self, number, self.seed + number) for number in range(CLIENTS)]
        threads = [threading.Thread(target=scanner.run, daemon=True) for scanner in scanners]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, self.deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in threads), \
            f"the load did not end within {LOAD_DEADLINE} s (seed {self.seed})"
        return time.monotonic() - started

    def offer(self, request):
        if request.key is not None:
            with self._lock:
                self.pool.append(request)

    def pick_resend(self, rng):
        with self._lock:
            return rng.choice(self.pool) if self.pool else None

    def seen(self, ids):
        with self._lock:
            self.movements.extend(ids)

    def any_movement(self, rng):
        with self._lock:
            return rng.choice(self.movements) if self.movements else None

    def send(self, client, request, resend):
        headers = {"Idempotency-Key": request.key} if request.key else {}
        sent_at = time.monotonic()
        try:
            answer = call(self.port, "POST" if request.body is not None else "GET",
                          request.path, body=request.body, token=self.token, headers=headers,
                          timeout=ANSWER_DEADLINE)
            status, body = answer.status, answer.body
            replayed = answer.headers.get("Idempotent-Replayed")
            content_type = answer.headers.get("Content-Type", "")
        except (OSError, http.client.HTTPException) as error:
            status, body, replayed, content_type = None, repr(error).encode(), None, ""
        exchange = Exchange(client, request, resend, sent_at, time.monotonic(), status,
                            replayed, content_type, body)
        with self._lock:
            self.exchanges.append(exchange)
        return exchange

    def send_at_once(self, client, request):
        """The same request from two threads released together."""
        barrier = threading.Barrier(2)
        answers = []

        def send():
            barrier.wait(LOAD_DEADLINE)
            answers.append(self.send(client, request, resend=True))

        other = threading.Thread(target=send, daemon=True)
        other.start()
        barrier.wait(LOAD_DEADLINE)
        answers.append(self.send(client, request, resend=False))
        other.join(max(0.0, self.deadline - time.monotonic()))
        return answers


class Scanner:
    """One handheld: REQUESTS requests, drawn from its own random.Random."""

    def __init__(self, load, number, seed):
        self.load, self.number, self.rng = load, number, random.Random(seed)
        self.latest = []  # the movement ids of its last history read, newest first
        self.seen = []  # every movement id it read
        self.undo_next = False  # its next new request is an undo
        self.made = 0

    def run(self):
        sent = 0
        while sent < REQUESTS and time.monotonic() < self.load.deadline:
            resend = self.rng.random() < RESEND and self.load.pick_resend(self.rng)
            if resend:
                sent += self._send(self._again(resend), resend=True)
                continue
            request = self._new()
            self.load.offer(request)
            if request.key and request.kind != "history" and self.rng.random() < AT_ONCE \
                    and sent + 2 <= REQUESTS:
                for exchange in self.load.send_at_once(self.number, request):
                    self._learn(exchange)
                sent += 2
            else:
                sent += self._send(request, resend=False)

    def _send(self, request, resend):
        self._learn(self.load.send(self.number, request, resend))
        return 1

    def _again(self, request):
        """An earlier write again; a batch sometimes without its own key (its scans still
        carry theirs)."""
        if request.kind == "batch" and self.rng.random() < 0.25:
            return Request("batch", request.path, request.body)
        return request

    def _key(self):
        self.made += 1
        return f"scanner-{self.number}-{self.made}"

    def _new(self):
        movement = self._movement() if self.undo_next else None
        self.undo_next = False
        if movement is not None:
            return self._keyed(Request("undo", PATHS["undo"], {"movement_id": movement}))
        kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        if kind == "undo":  # as a clerk does: read the SKU's history, undo from it next
            self.undo_next, kind = True, "history"
        if kind == "history":
            return Request("history", f"{BASE}/history?sku={self.rng.choice(SKUS)}&per_page=10")
        if kind == "batch":
            scans = []
            for _ in range(self.rng.randint(2, 5)):
                action = self.rng.choice(SCAN_KINDS)
                scans.append({"scan_id": self._key(), "action": action, **self._params(action)})
            return self._keyed(Request("batch", PATHS["batch"], {"scans": scans}))
        return self._keyed(Request(kind, PATHS[kind], self._params(kind)))

    def _keyed(self, request):
        if self.rng.random() < UNKEYED:
            return request
        return Request(request.kind, request.path, request.body, self._key())

    def _params(self, kind):
        sku = self.rng.choice(SKUS)
        if kind == "move":
            source, target = self.rng.sample(CODES, 2)
            return {"warehouse_id_from": 1, "mapped_string_from": source,
                    "warehouse_id_to": 1, "mapped_string_to": target, "sku": sku}
        return {"warehouse_id": 1, "sku": sku, "mapped_string": self.rng.choice(CODES)}

    def _movement(self):
        """Mostly the newest movement of its last history read (the one a clerk undoes),
        else any it read, else any another scanner read."""
        draw = self.rng.random()
        if self.latest and draw < 0.8:
            return self.latest[0]
        if self.seen and draw < 0.9:
            return self.rng.choice(self.seen)
        return self.load.any_movement(self.rng)

    def _learn(self, exchange):
        if exchange.status != 200:
            return
        if exchange.request.kind == "history":
            self.latest = [row["id"] for row in exchange.json()["data"]]
        elif exchange.request.kind == "undo":
            self.latest = [exchange.json()["movement"]["id"]]  # undoing it is a 409
        else:
            return
        self.seen.extend(self.latest)
        self.load.seen(self.latest)


# --- What every answer must look like ---------------------------------------------------------

def check_error(kind, status, body, where):
    assert isinstance(body.get("message"), str), where
    assert (status, body["message"]) in EXPECTED_ERRORS[kind], where
    if "errors" in body:
        assert isinstance(body["errors"], dict), where
    if kind in ("move", "remove", "undo"):
        assert set(body["current"]) == CURRENT_KEYS, where
        assert body["current"]["sku"] in SKUS, where


def check_placement(placement, where):
    assert set(placement) == PLACEMENT_KEYS, where


def check_success(exchange, body, where):
    kind = exchange.request.kind
    if kind in ("locate", "move"):
        check_placement(body, where)
    elif kind == "remove":
        assert set(body) == {"message", "removed"} and len(body["removed"]) == 1, where
    elif kind == "undo":
        assert body["movement"]["kind"] == "undo", where
        assert body["movement"]["undo_of"] == exchange.request.body["movement_id"], where
        assert set(body["current"]) == CURRENT_KEYS, where
    elif kind == "history":
        assert isinstance(body["data"], list) and body["per_page"] == 10, where
    else:
        scans = exchange.request.body["scans"]
        assert len(body["results"]) == len(scans), where
        for scan, result in zip(scans, body["results"]):
            check_scan(scan, result, where)


def check_scan(scan, result, where):
    where = f"{where}, scan {scan['scan_id']}"
    assert (result["scan_id"], result["action"]) == (scan["scan_id"], scan["action"]), where
    if result["status"] == "conflict":
        check_error(scan["action"], 404, {**result["error"], "current": result.get("current")},
                    where)
    elif scan["action"] == "remove":
        assert result["status"] in ("applied", "replayed"), where
        assert set(result["removal"]) == {"message", "removed"}, where
    else:
        assert result["status"] in ("applied", "replayed"), where
        check_placement(result["placement"], where)


def check_answers(load):
    failed = [e for e in load.exchanges if e.status is None or e.status >= 500]
    assert not failed, failed[:5]
    for exchange in load.exchanges:
        where = exchange.where()
        assert exchange.content_type == "application/json", where
        body = exchange.json()
        assert exchange.replayed in (None, "true"), where
        if exchange.status == 200:
            check_success(exchange, body, where)
        else:
            assert exchange.replayed is None, where  # an error is never a stored answer
            check_error(exchange.request.kind, exchange.status, body, where)


# --- Keys: one first answer, repeats get exactly it -------------------------------------------

def outcomes(load):
    """Every answer to a key: the requests' (by Idempotency-Key) and the scans' of each batch
    answer that was not a stored copy (by scan_id)."""
    found = []
    for e in load.exchanges:
        where = e.where()
        if e.request.key is not None:
            state = "error" if e.status != 200 else "replayed" if e.replayed else "first"
            found.append(Outcome(e.request.key, e.sent_at, e.received_at, state,
                                 (e.status, e.body), where))
        if e.request.kind == "batch" and e.status == 200 and not e.replayed:
            for result in e.json()["results"]:
                state = SCAN_STATES.get(result["status"], "error")
                content = {name: value for name, value in result.items() if name != "status"}
                found.append(Outcome(result["scan_id"], e.sent_at, e.received_at, state,
                                     content, where, scan=True))
    return found


def describe(answers):
    """The answers to one key, in the order they were sent, for a failure's message."""
    return "\n".join(f"{a.state} sent {a.sent_at:.3f} answered {a.received_at:.3f}: {a.where}"
                     for a in sorted(answers, key=lambda a: a.sent_at))


def check_keys(load):
    by_key = defaultdict(list)
    for outcome in outcomes(load):
        by_key[outcome.key].append(outcome)
    for key, answers in by_key.items():
        done = [a for a in answers if a.state != "error"]
        firsts = [a for a in done if a.state == "first"]
        if answers[0].scan:
            # A batch answered with a copy of another's (the same batch sent at once) does not
            # show its own scans: the one that applied a scan may be that one.
            assert len(firsts) <= 1, describe(answers)
        else:
            assert len(firsts) == (1 if done else 0), describe(answers)
        for answer in done:
            assert answer.content == done[0].content, describe(answers)
        # Once an answer has arrived the work is stored: a repeat sent later replays it.
        arrived = min((a.received_at for a in done), default=None)
        for answer in answers:
            if arrived is not None and answer.sent_at > arrived:
                assert answer.state == "replayed", describe(answers)
    return by_key


def resend_timing(load):
    """(copies sent while an earlier copy of the same key was unanswered, copies sent after
    every earlier one had its answer)."""
    copies = defaultdict(list)
    for exchange in load.exchanges:
        if exchange.request.key is not None:
            copies[exchange.request.key].append(exchange)
    during = after = 0
    for sent in copies.values():
        sent.sort(key=lambda e: e.sent_at)
        for number, exchange in enumerate(sent[1:], start=1):
            if any(e.received_at > exchange.sent_at for e in sent[:number]):
                during += 1
            else:
                after += 1
    return during, after


# --- The database ----------------------------------------------------------------------------

def check_database(site, engine, config_class, start, last_movement):
    with engine.connect() as conn:
        twice = conn.execute(sa.text(
            "SELECT warehouselocation_id, variation_id, count(*) FROM location_variations "
            "GROUP BY warehouselocation_id, variation_id HAVING count(*) > 1")).all()
        undone_twice = conn.execute(sa.text(
            "SELECT undo_of FROM movements WHERE undo_of IS NOT NULL GROUP BY undo_of "
            "HAVING count(*) > 1")).all()
        kinds = Counter(dict(conn.execute(sa.text(
            "SELECT kind, count(*) FROM movements WHERE id > :last GROUP BY kind"),
            {"last": last_movement}).all()))
        keys = set(conn.execute(sa.text("SELECT key FROM idempotency_keys")).scalars())
    assert twice == [] and undone_twice == []
    placed, _last = ledger_state(engine)
    try:
        replayed, _count = replay(engine, start, last_movement)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{ledger_around(engine, str(error))}") from error
    assert replayed == placed
    app = create_app(type("Config", (config_class,), {"SQLALCHEMY_DATABASE_URI": site.url}))
    result = app.test_cli_runner().invoke(args=["wms", "verify-ledger", "--json"])
    with app.app_context():
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ok": True, "missing": [], "extra": [],
                                         "miscounted": []}
    return kinds, keys


def ledger_around(engine, message):
    """The movements of the variation of the movement a replay failure names, for its message."""
    number = int(message.split()[1])
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT m.id, m.kind, m.from_location_id, m.to_location_id, m.merged, m.undo_of, "
            "m.created_at FROM movements m WHERE m.variation_id = "
            "(SELECT variation_id FROM movements WHERE id = :id) ORDER BY m.id"),
            {"id": number}).all()
    return "\n".join(str(tuple(row)) for row in rows)


@pytest.fixture(scope="module")
def server(config_class, key_pair, tmp_path_factory):
    folder = tmp_path_factory.mktemp("scanners")
    with demo_site(config_class, key_pair, folder) as site:
        with Gunicorn.running(folder, site.environ, workers=WORKERS) as [started]:
            yield site, started


def test_sixteen_scanners_at_once_keep_every_invariant(server, config_class):
    site, gunicorn = server
    seed = int(os.environ.get("WMS_SCANLOAD_SEED") or random.SystemRandom().randrange(10**6))
    print(f"WMS_SCANLOAD_SEED={seed}")  # shown with a failure: the same requests again
    engine = site.engine()
    try:
        start, last_movement = ledger_state(engine)
        load = Load(gunicorn.port, client_token(gunicorn.port, site), seed)

        took = load.run()

        assert len(load.exchanges) == CLIENTS * REQUESTS
        check_answers(load)
        by_key = check_keys(load)
        kinds, stored = check_database(site, engine, config_class, start, last_movement)
    finally:
        engine.dispose()
    # Every first answer was stored, and nothing else (an error never is).
    requests = {key for key, answers in by_key.items() if not answers[0].scan}
    assert stored & requests == {key for key in requests
                                 if any(a.state == "first" for a in by_key[key])}
    assert stored - requests >= {key for key in set(by_key) - requests
                                 if any(a.state != "error" for a in by_key[key])}
    assert stored <= set(by_key)
    errors = gunicorn.errors()
    assert "Traceback" not in errors and "[ERROR]" not in errors

    # Not vacuous: every kind got through and scanners really collided.
    statuses = Counter((e.request.kind, e.status) for e in load.exchanges if not e.replayed)
    for kind in PATHS:
        assert statuses[(kind, 200)] > 0, statuses
    for kind in ("locate", "move", "remove", "undo"):
        assert kinds[kind] > 0, kinds
    assert sum(n for (_kind, status), n in statuses.items() if status == 409) > 0, statuses
    assert sum(n for (_kind, status), n in statuses.items() if status == 404) > 0, statuses
    replays = Counter(e.request.kind for e in load.exchanges if e.replayed)
    assert replays["batch"] > 0 and sum(replays.values()) > CLIENTS, replays
    during, after = resend_timing(load)
    assert during > 0 and after > 0, (during, after)
    print(f"{len(load.exchanges)} requests in {took:.1f} s; {dict(statuses)}; "
          f"replayed {dict(replays)}; re-sent while in flight {during}, after {after}; "
          f"movements {dict(kinds)}")
