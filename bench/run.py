"""`make bench`: wms under load on a large store, side by side with its two floors.

For each database (SQLite by default, and DATABASE_URL's PostgreSQL when it is set): build the
large store once (`flask wms demo --scale large`, kept for the next run), start three gunicorns
with the project's settings (2 workers) on free loopback ports: wms, floor (a) (fixed bytes,
bench/floor_a.py) and floor (b) (the same SQL on the raw driver, bench/floor_b.py); check that
floor (b) answers what wms answers; then drive every warehouse route with wrk (8 connections),
interleaving wms and both floors route by route, round after round. Results go to
bench/results.json and bench/results.md (and the README's table). See bench/README.md.
"""
import argparse
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote, urlencode

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
VENV_BIN = Path(sys.executable).parent
LUA = BENCH / "requests.lua"
RESULTS_JSON, RESULTS_MD = BENCH / "results.json", BENCH / "results.md"
README = ROOT / "README.md"
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
PG_SCHEMA = "wms_bench"
SERVERS = ("wms", "floor_a", "floor_b")

sys.path.insert(0, str(ROOT))

from config import Config, database_url  # noqa: E402
from wms import create_app  # noqa: E402
from wms.extensions import db  # noqa: E402
from wms.models import (Movement, Placement, PlacementCount, Variation, Warehouse,  # noqa: E402
                        WarehouseLocation)
from wms.services.bulk_demo import LARGE, SKU_BASE, settle  # noqa: E402
from wms.services.clients import create_client  # noqa: E402


# --- Routes ----------------------------------------------------------------------------------

@dataclass
class Route:
    name: str
    method: str
    path: str
    # reads: the query strings it is asked with; writes: a function making n fresh requests
    queries: callable = None
    writes: callable = None
    paginated: bool = False
    targets: tuple = ()

    @property
    def read(self):
        return self.method == "GET"


V1 = "/api/v1"
P50_ROUTES = "p50"  # a route with the p50 target of issue 11


def build_routes():
    return [
        Route("warehouses/getall", "GET", f"{V1}/warehouses/getall",
              queries=lambda s: [""], paginated=True),
        Route("warehouses/store", "POST", f"{V1}/warehouses/store",
              writes=lambda s, n: s.new_warehouses(n)),
        Route("warehouselocations/getracks", "GET", f"{V1}/warehouselocations/getracks",
              queries=lambda s: [f"warehouse_id={w}" for w in (1, 2, 3, 4)], paginated=True),
        Route("warehouselocations/getblocks", "GET", f"{V1}/warehouselocations/getblocks",
              queries=lambda s: [f"warehouse_id=2&rack={r}" for r in s.racks(2, 8)]),
        Route("warehouselocations/getall", "GET", f"{V1}/warehouselocations/getall",
              queries=lambda s: [f"warehouse_id=2&page={p}" for p in range(1, 9)],
              paginated=True),
        Route("warehouselocations/maplocations", "POST",
              f"{V1}/warehouselocations/maplocations",
              writes=lambda s, n: s.new_racks(n)),
        Route("locationvariation/getall", "GET", f"{V1}/locationvariation/getall",
              queries=lambda s: [""], paginated=True),
        Route("locationvariation/getall?sku", "GET", f"{V1}/locationvariation/getall",
              queries=lambda s: [f"sku={sku}" for sku in s.placed_skus(16)], paginated=True),
        Route("locationvariation/getall?warehouse_id=1 (100k), page 1", "GET",
              f"{V1}/locationvariation/getall", queries=lambda s: ["warehouse_id=1"],
              paginated=True, targets=(P50_ROUTES,)),
        Route("locationvariation/getall?warehouse_id=1 (100k), page 5000", "GET",
              f"{V1}/locationvariation/getall", queries=lambda s: ["warehouse_id=1&page=5000"],
              paginated=True, targets=(P50_ROUTES,)),
        Route("locationvariation/getitemsinlocation", "GET",
              f"{V1}/locationvariation/getitemsinlocation",
              queries=lambda s: [f"warehouse_id=1&mapped_string={quote(code)}"
                                 for code in s.read_codes(16)],
              paginated=True, targets=(P50_ROUTES,)),
        Route("locationvariation/locateitemscan", "POST",
              f"{V1}/locationvariation/locateitemscan",
              writes=lambda s, n: s.new_locates(n, by_code=True)),
        Route("locationvariation/locateitemweb", "POST", f"{V1}/locationvariation/locateitemweb",
              writes=lambda s, n: s.new_locates(n, by_code=False)),
        Route("locationvariation/moveitemscan", "POST", f"{V1}/locationvariation/moveitemscan",
              writes=lambda s, n: s.new_moves(n, by_code=True)),
        Route("locationvariation/moveitemweb", "POST", f"{V1}/locationvariation/moveitemweb",
              writes=lambda s, n: s.new_moves(n, by_code=False)),
    ]


# --- The store: its size, the rows the routes ask for, cleaning up after the writes ---------

BENCH_WAREHOUSE_PREFIX = "Bench "
MAP_WAREHOUSE = 10  # the large store's empty warehouse: racks are mapped there


class Store:
    """Names rows of the bulk store for the routes, makes fresh write requests, and undoes the
    bench's own writes before a run (its located placements are removed with a `remove`
    movement each, so the ledger still replays to the placements)."""

    def __init__(self, app, placements, seed):
        self.app, self.bulk_placements = app, placements
        self.random = random.Random(seed)
        self.serial = 0
        with app.app_context():
            self.variations = db.session.scalar(sa.select(sa.func.count(Variation.id)))
            locations = db.session.execute(
                sa.select(WarehouseLocation.id, WarehouseLocation.rack,
                          WarehouseLocation.mapped_string)
                .where(WarehouseLocation.warehouse_id == 1)
                .order_by(WarehouseLocation.id)).all()
        # Warehouse 1 in quarters: reads look at the first, locates write into the third,
        # moves go back and forth between the two halves of the fourth.
        quarter = len(locations) // 4
        self.read_locations = locations[:quarter]
        self.locate_locations = locations[2 * quarter:3 * quarter]
        fourth = locations[3 * quarter:]
        half = len(fourth) // 2
        self.move_pairs = list(zip(fourth[:half], fourth[half:2 * half]))

    def racks(self, warehouse_id, n):
        with self.app.app_context():
            return db.session.scalars(
                sa.select(WarehouseLocation.rack).where(
                    WarehouseLocation.warehouse_id == warehouse_id)
                .group_by(WarehouseLocation.rack).order_by(WarehouseLocation.rack).limit(n)).all()

    def placed_skus(self, n):
        step = max(self.variations // n, 1)
        return [str(SKU_BASE + 1 + k * step) for k in range(n)]

    def read_codes(self, n):
        step = max(len(self.read_locations) // n, 1)
        return [code for _id, _rack, code in self.read_locations[::step][:n]]

    def _next(self):
        self.serial += 1
        return self.serial

    def new_warehouses(self, n):
        return [(f"name={quote(BENCH_WAREHOUSE_PREFIX)}{self._next()}&store_id={1 + k % 3}",
                 None) for k in range(n)]

    def new_racks(self, n):
        query = f"blocks=3&levels=4&sides=2&warehouse_id={MAP_WAREHOUSE}"
        return [(query, None)] * n

    def new_locates(self, n, by_code):
        """n (sku, location) pairs that are not placements: each request writes one."""
        with self.app.app_context():
            ids = [loc_id for loc_id, _r, _c in self.locate_locations]
            taken = set(db.session.execute(
                sa.select(Placement.warehouselocation_id, Placement.variation_id)
                .where(Placement.warehouselocation_id.between(min(ids), max(ids)))).all())
        chosen = set()
        while len(chosen) < n:
            location = self.random.choice(self.locate_locations)
            variation = self.random.randint(1, self.variations)
            if (location[0], variation) not in taken:
                chosen.add((location, variation))
        requests = []
        for (loc_id, _rack, code), variation in chosen:
            body = {"warehouse_id": 1, "sku": str(SKU_BASE + variation)}
            body.update({"mapped_string": code} if by_code else {"warehouselocation_id": loc_id})
            requests.append(("", body))
        return requests

    def new_moves(self, n, by_code):
        """n moves of placed SKUs between the two halves of warehouse 1's fourth quarter: each
        goes to the other end of its pair from where it is now (the bulk layout never puts a
        SKU at both ends)."""
        with self.app.app_context():
            ids = [pair[0][0] for pair in self.move_pairs] + [p[1][0] for p in self.move_pairs]
            where = {}
            for loc_id, variation in db.session.execute(
                    sa.select(Placement.warehouselocation_id, Placement.variation_id)
                    .where(Placement.warehouselocation_id.between(min(ids), max(ids)),
                           Placement.id <= self.bulk_placements)):
                where.setdefault(loc_id, []).append(variation)
        moves = []
        for a, b in self.move_pairs:
            for here, there in ((a, b), (b, a)):
                for variation in where.get(here[0], ()):
                    if variation not in where.get(there[0], ()):
                        moves.append((variation, here, there))
        self.random.shuffle(moves)
        requests = []
        for variation, (src_id, _r, src_code), (dst_id, _r2, dst_code) in moves[:n]:
            body = {"warehouse_id_from": 1, "warehouse_id_to": 1,
                    "sku": str(SKU_BASE + variation)}
            if by_code:
                body.update(mapped_string_from=src_code, mapped_string_to=dst_code)
            else:
                body.update(warehouselocation_id_from=src_id, warehouselocation_id_to=dst_id)
            requests.append(("", body))
        return requests

    def clean(self):
        """Undo what earlier bench runs wrote, so that every run measures the same store."""
        with self.app.app_context():
            located = db.session.execute(
                sa.select(Placement.id, Placement.variation_id, Placement.warehouselocation_id)
                .where(Placement.id > self.bulk_placements)).all()
            for _id, variation_id, location_id in located:
                db.session.add(Movement(kind="remove", variation_id=variation_id,
                                        from_location_id=location_id))
            if located:
                db.session.execute(sa.delete(Placement).where(
                    Placement.id > self.bulk_placements))
            self._unmap_racks()
            has_locations = sa.select(WarehouseLocation.id).where(
                WarehouseLocation.warehouse_id == Warehouse.id).exists()
            db.session.execute(sa.delete(Warehouse).where(
                Warehouse.name.startswith(BENCH_WAREHOUSE_PREFIX), ~has_locations)
                .execution_options(synchronize_session=False))
            db.session.commit()
            # As the store was left when it was built: analyzed and, on PostgreSQL, vacuumed
            # (the server's autovacuum may be off), so that the rows this undid leave no dead
            # tuples or stale statistics for the next run to read past.
            settle((Warehouse, WarehouseLocation, Placement, PlacementCount, Movement))
        return len(located)

    def _unmap_racks(self):
        """Delete the racks the bench mapped. The ledger's location columns have no index, so
        each deleted location's foreign-key check would scan the whole ledger: two indexes
        stand in for the deletion (in the bench's own store), then go."""
        mapped = sa.select(WarehouseLocation.id).where(
            WarehouseLocation.warehouse_id == MAP_WAREHOUSE)
        if not db.session.scalar(sa.select(sa.func.count()).select_from(mapped.subquery())):
            return
        if db.session.scalar(sa.select(sa.func.count(Placement.id)).where(
                Placement.warehouselocation_id.in_(mapped))):
            return
        indexes = [sa.Index(f"bench_tmp_movements_{column}", getattr(Movement, column))
                   for column in ("from_location_id", "to_location_id")]
        for index in indexes:
            index.create(db.session.connection())
        db.session.execute(sa.delete(WarehouseLocation).where(
            WarehouseLocation.warehouse_id == MAP_WAREHOUSE))
        for index in indexes:
            index.drop(db.session.connection())


# --- Databases -------------------------------------------------------------------------------

@dataclass
class Target:
    """One database the bench runs on."""
    label: str
    app_url: str       # SQLAlchemy URL of the store
    floor_dsn: str     # what floor (b) connects to with the raw driver
    admin_url: str = None

    @property
    def sqlite(self):
        return self.app_url.startswith("sqlite")


def make_target(url):
    url = database_url(url)
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = Path(parsed.database or DATA / "wms-bench.db").resolve()
        return Target("sqlite", f"sqlite:///{path}", f"sqlite:///{path}")
    if backend == "postgresql":
        app_url = parsed.update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
        floor = app_url.set(drivername="postgresql")
        return Target("postgresql", app_url.render_as_string(hide_password=False),
                      floor.render_as_string(hide_password=False),
                      admin_url=parsed.render_as_string(hide_password=False))
    raise SystemExit(f"bench: {backend} is not supported (floor (b) speaks to SQLite and "
                     "PostgreSQL)")


def drop_store(target):
    """Delete the bench's store: its SQLite file, or its PostgreSQL schema."""
    if target.sqlite:
        for suffix in ("", "-wal", "-shm"):
            Path(target.app_url.split("///", 1)[1] + suffix).unlink(missing_ok=True)
        return
    _admin(target, f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")


def create_schema(target):
    """PostgreSQL: the bench's own schema in the given database (nothing else is touched)."""
    if not target.sqlite:
        _admin(target, f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")


def _admin(target, statement):
    engine = sa.create_engine(target.admin_url)
    with engine.begin() as conn:
        conn.execute(sa.text(statement))
    engine.dispose()


def database_version(target):
    if target.sqlite:
        return f"SQLite {sqlite3.sqlite_version}"
    engine = sa.create_engine(target.admin_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
    engine.dispose()
    return f"PostgreSQL {version}"


# --- Processes -------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env, *args):
    result = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,
                            env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"bench: flask {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


class Server:
    def __init__(self, name, app_spec, env, workers, log):
        self.name, self.port = name, free_port()
        args = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(workers), "--access-logfile", "-", app_spec]
        if name != "wms":
            args[1:1] = ["--pythonpath", str(BENCH)]
        self.log = open(log, "ab")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def wait_ready(self, workers, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: {self.name} did not start; see {self.log.name}")
            if len(self.workers()) == workers:
                try:
                    http(self.port, "GET", "/")
                    return
                except OSError:
                    pass
            time.sleep(0.2)
        raise SystemExit(f"bench: {self.name} did not answer in {timeout} s")

    def workers(self):
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def reset_peak_rss(self):
        for pid in self.workers():
            Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_rss_mb(self):
        peaks = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks) if peaks else None

    def cpu_seconds(self):
        """CPU seconds of each worker, by pid."""
        ticks = os.sysconf("SC_CLK_TCK")
        used = {}
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[pid] = (int(fields[11]) + int(fields[12])) / ticks
        return used

    def busy_connections(self):
        """Connections the server still holds: accepted, queued or being answered (wrk closes
        its side at the end of a run; gunicorn still answers what it had taken)."""
        busy = 0
        port = f"{self.port:04X}"
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            if local.endswith(f":{port}") and state in ("01", "03", "08"):
                busy += 1
        return busy

    def drain(self, timeout=120):
        deadline = time.monotonic() + timeout
        while self.busy_connections() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def http(port, method, path, body=None, token=None, host=None):
    conn = HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if host:
        headers["Host"] = host
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    answer = (response.status, response.read(), dict(response.getheaders()))
    conn.close()
    return answer


# --- One wrk run -----------------------------------------------------------------------------

def url_of(route, query):
    return f"{route.path}?{query}" if query else route.path


def request_lines(route, requests, floor_a_sizes=None, status=200):
    lines = []
    for n, (query, body) in enumerate(requests):
        if floor_a_sizes is not None:
            size = floor_a_sizes[n % len(floor_a_sizes)]
            extra = urlencode({"bench_size": size, "bench_status": status})
            query = f"{query}&{extra}" if query else extra
        lines.append(f"{route.method}\t{url_of(route, query)}\t"
                     + (json.dumps(body) if body is not None else ""))
    return lines


def run_wrk(server, lines, token, seconds, clients, cycle, workfile):
    workfile.write_text("\n".join(lines) + "\n")
    cpu_before, rusage = server.cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{seconds}", "--timeout", "60s", "-s", str(LUA),
         f"http://127.0.0.1:{server.port}", "--", str(workfile), token,
         "cycle" if cycle else "once"], capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_after = server.cpu_seconds()
    drain_started = time.monotonic()
    server.drain()
    if os.environ.get("BENCH_DEBUG"):
        print(f"    {server.name} wrk {wall:.1f} s, drain {time.monotonic() - drain_started:.1f} s",
              flush=True)
    if result.returncode:
        raise SystemExit(f"bench: wrk failed: {result.stderr}")
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    generator_cpu = (after.ru_utime - rusage.ru_utime) + (after.ru_stime - rusage.ru_stime)
    stats.update(
        rps=stats["answers"] / stats["seconds"] if stats["seconds"] > 0 else 0.0,
        generator_cpu_share=generator_cpu / wall,
        # Workers gunicorn replaced during the run (its 30 s timeout kills a worker whose
        # request runs longer) are left out of the CPU share and counted.
        server_cpu_share=sum(cpu_after[pid] - cpu_before[pid] for pid in cpu_before
                             if pid in cpu_after) / wall,
        workers_replaced=len(set(cpu_before) - set(cpu_after)),
        wall=wall)
    return stats


# --- Checks before measuring -----------------------------------------------------------------

def shape(value):
    """The JSON shape: keys and types, not values (for writes, whose values differ)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def compare_reads(route, queries, servers, token):
    """Floor (b) must answer what wms answers, byte for byte (asked with wms's Host, so that
    page URLs match). Returns the answers' sizes and the floor's statement count."""
    sizes, floor_statements, same_bytes = [], None, True
    wms_host = f"127.0.0.1:{servers['wms'].port}"
    for query in queries:
        path = url_of(route, query)
        status, body, _h = http(servers["wms"].port, "GET", path, token=token)
        f_status, f_body, f_headers = http(servers["floor_b"].port, "GET", path, token=token,
                                           host=wms_host)
        if (status, json.loads(body)) != (f_status, json.loads(f_body)):
            raise SystemExit(f"bench: floor (b) differs from wms on GET {path}:\n"
                             f"wms {status} {body[:600]!r}\nfloor {f_status} {f_body[:600]!r}")
        if status != 200:
            raise SystemExit(f"bench: GET {path} answered {status}: {body[:300]!r}")
        sizes.append(len(body))
        floor_statements = int(f_headers["X-Bench-Statements"])
        same_bytes = same_bytes and body == f_body
    return sizes, floor_statements, same_bytes


def compare_writes(route, store, servers, token):
    answers = {}
    for name in ("wms", "floor_b"):
        [(query, body)] = route.writes(store, 1)
        status, data, headers = http(servers[name].port, route.method, url_of(route, query),
                                     body=body, token=token)
        if status >= 400:
            raise SystemExit(f"bench: {name} refused {route.name}: {status} {data[:300]!r}")
        answers[name] = (status, shape(json.loads(data)), len(data),
                         headers.get("X-Bench-Statements"))
    if answers["wms"][:2] != answers["floor_b"][:2]:
        raise SystemExit(f"bench: floor (b) answers {route.name} in another shape: {answers}")
    return [answers["wms"][2]], int(answers["floor_b"][3]), answers["wms"][0]


def count_statements(app, route, store, token, per_page=None):
    """SQL statements wms runs for one request, counted in-process with a SQLAlchemy event
    listener (as the test suite counts them), and the pool check-outs (each one also sends the
    pre-ping `SELECT 1`, which the listener does not see)."""
    statements, checkouts = [], []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def checkout(*args):
        checkouts.append(1)

    # The request first: making it may read the store, which is not the request's SQL.
    body = None
    if route.read:
        query = route.queries(store)[0]
        if per_page:  # on page 1: a later page may be past the end at a larger size
            query = "&".join([p for p in query.split("&") if p and
                              not p.startswith("page=")] + [f"per_page={per_page}"])
    else:
        [(query, body)] = route.writes(store, 1)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    sa.event.listen(engine.pool, "checkout", checkout)
    try:
        response = app.test_client().open(url_of(route, query), method=route.method, json=body,
                                          headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 400, (route.name, response.status_code, response.data)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
        sa.event.remove(engine.pool, "checkout", checkout)
    return len(statements), len(checkouts)


# --- The whole bench for one database --------------------------------------------------------

@dataclass
class Options:
    rounds: int = 3
    seconds: int = 2
    max_seconds: int = 8
    clients: int = 8
    workers: int = 2
    write_pool: int = 4000
    warmup_seconds: int = 1
    locations: int = LARGE["locations"]
    placements: int = LARGE["placements"]
    variations: int = LARGE["variations"]
    rebuild: bool = False
    only: list = field(default_factory=list)


def bench_config(target, keys):
    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = target.app_url
        OAUTH_PRIVATE_KEY, OAUTH_PUBLIC_KEY = str(keys[0]), str(keys[1])
    return BenchConfig


def ensure_store(target, env, app, options, log):
    """The large store, built once: reused when its counts are there (the build is one
    transaction, so a store that has them is complete)."""
    if options.rebuild:
        drop_store(target)
    create_schema(target)
    flask(env, "db", "upgrade")
    with app.app_context():
        counts = (db.session.scalar(sa.select(sa.func.count(WarehouseLocation.id))),
                  db.session.scalar(sa.select(sa.func.count(Variation.id))),
                  db.session.scalar(sa.select(sa.func.max(Placement.id))) or 0)
        has_warehouses = db.session.scalar(sa.select(sa.func.count(Warehouse.id)))
        db.session.remove()
    if counts[0] >= options.locations and counts[1] == options.variations \
            and counts[2] >= options.placements:
        log(f"  store: reused ({counts[0]} locations, {counts[1]} variations)")
        return None
    if has_warehouses:
        log("  store: incomplete or of another size: rebuilt")
        with app.app_context():
            db.engine.dispose()
        drop_store(target)
        create_schema(target)
        flask(env, "db", "upgrade")
    out = json.loads(flask(env, "wms", "demo", "--locations", str(options.locations),
                           "--placements", str(options.placements),
                           "--variations", str(options.variations), "--json"))
    log(f"  store: built in {out['seconds']} s")
    return out["seconds"]


def keys_for(env):
    private, public = DATA / "keys" / "oauth-private.key", DATA / "keys" / "oauth-public.key"
    if not private.exists():
        flask(env, "oauth", "keys")  # OAUTH_KEY_BITS, 4096 by default, as in production
    return private, public


def bench_database(target, options, log):
    DATA.mkdir(exist_ok=True)
    (DATA / "logs").mkdir(exist_ok=True)
    env = {**os.environ, "DATABASE_URL": target.app_url,
           "OAUTH_PRIVATE_KEY": str(DATA / "keys" / "oauth-private.key"),
           "OAUTH_PUBLIC_KEY": str(DATA / "keys" / "oauth-public.key")}
    keys = keys_for(env)
    app = create_app(bench_config(target, keys))
    build_seconds = ensure_store(target, env, app, options, log)
    store = Store(app, options.placements, seed=time.time_ns())
    removed = store.clean()
    if removed:
        log(f"  cleaned up {removed} placements of earlier runs")
    with app.app_context():
        client, secret = create_client(name="Bench")
    token = app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client.id,
        "client_secret": secret}).json["access_token"]

    routes = [r for r in build_routes() if not options.only or r.name in options.only]
    floor_env = {**env, "FLOOR_DSN": target.floor_dsn, "FLOOR_PUBLIC_KEY": str(keys[1])}
    specs = {"wms": "wsgi:app", "floor_a": "floor_a:app", "floor_b": "floor_b:app"}
    servers = {}
    try:
        for name in SERVERS:
            servers[name] = Server(name, specs[name], floor_env if name != "wms" else env,
                                   options.workers, DATA / "logs" / f"{target.label}-{name}.log")
        for server in servers.values():
            server.wait_ready(options.workers)
        results = measure(routes, store, servers, app, token, options, log)
    finally:
        for server in servers.values():
            server.stop()
        with app.app_context():
            db.engine.dispose()
    return {"database": database_version(target), "build_seconds": build_seconds,
            "routes": results}


def check_routes(routes, store, servers, app, token):
    """Before measuring: floor (b) answers as wms; what each answer weighs; statement counts."""
    info = {}
    for route in routes:
        if route.read:
            queries = route.queries(store)
            sizes, floor_statements, same_bytes = compare_reads(route, queries, servers, token)
            status = 200
        else:
            queries = None
            sizes, floor_statements, status = compare_writes(route, store, servers, token)
            same_bytes = None
        statements, checkouts = count_statements(app, route, store, token)
        by_page_size = None
        if route.paginated:
            by_page_size = {n: count_statements(app, route, store, token, per_page=n)[0]
                            for n in (1, 15, 100)}
        info[route.name] = dict(queries=queries, sizes=sizes, status=status,
                                floor_statements=floor_statements, same_bytes=same_bytes,
                                statements=statements, checkouts=checkouts,
                                statements_by_per_page=by_page_size)
    return info


def measure(routes, store, servers, app, token, options, log):
    """Checks, statement counts, a warm-up, then the interleaved rounds."""
    info = check_routes(routes, store, servers, app, token)
    log(f"  checked: floor (b) answers as wms on {len(routes)} routes")
    workfile = DATA / "requests.txt"

    def lines_for(route, name, n):
        data = info[route.name]
        if route.read:
            queries = data["queries"]
            requests = [(queries[k % len(queries)], None) for k in range(n or len(queries))]
        else:
            requests = route.writes(store, n)
        sizes = data["sizes"] if name == "floor_a" else None
        return request_lines(route, requests, sizes, data["status"])

    def run(route, name, seconds, n=None):
        """wrk for `seconds`: reads cycle through their queries; writes (and reads given `n`)
        send `n` requests once each."""
        cycle = route.read and n is None
        return run_wrk(servers[name], lines_for(route, name, n), token, seconds,
                       options.clients, cycle, workfile)

    plans = {route.name: warm_up(route, store, servers, token, options, run)
             for route in routes}
    slow = [name for name, plan in plans.items() if plan["slow"]]
    log("  warmed up" + (f"; slow (one round): {', '.join(slow)}" if slow else ""))

    rounds = {route.name: {name: [] for name in SERVERS} for route in routes}
    for n in range(options.rounds):
        order = SERVERS[n % 3:] + SERVERS[:n % 3]
        for route in routes:
            if n >= plans[route.name]["rounds"]:
                continue
            for name in order:
                if name == "wms":
                    servers[name].reset_peak_rss()
                plan = plans[route.name]
                seconds, requests = plan["seconds"], plan["requests"]
                if name == "floor_a" and plan["slow"]:
                    # Fixed bytes are never slow: a timed run, as on any other route.
                    seconds, requests = options.seconds, None
                stats = run(route, name, seconds, requests)
                stats["peak_rss_mb"] = servers[name].peak_rss_mb()
                stats["load"] = os.getloadavg()[0]
                rounds[route.name][name].append(stats)
        log(f"  round {n + 1}/{options.rounds} done (load {os.getloadavg()[0]:.2f})")
    return [summarize(route, info[route.name], rounds[route.name], plans[route.name])
            for route in routes]


SLOW_SECONDS = 1.0  # a route whose one request takes this long is measured in one round
SLOW_RUN_SECONDS = 60


def warm_up(route, store, servers, token, options, run):
    """A few requests one at a time on each server (they also tell how long one request takes),
    then, for a route that is not slow, a short wrk run on each. A slow route gets runs long
    enough for about 20 answers (up to max_seconds) in a single round: at 8 connections each run
    leaves up to 8 requests to finish after wrk stops, which the bench must wait for."""
    seconds = {}
    for name in SERVERS:
        times = []
        for _n in range(3):
            if route.read:
                query, body = route.queries(store)[0], None
            else:
                [(query, body)] = route.writes(store, 1)
            started = time.monotonic()
            http(servers[name].port, route.method, url_of(route, query), body=body, token=token)
            times.append(time.monotonic() - started)
        seconds[name] = statistics.median(times)
    one = max(seconds["wms"], seconds["floor_b"])
    if one < SLOW_SECONDS / 5:
        for name in ("wms", "floor_b"):
            run(route, name, options.warmup_seconds, None if route.read else 200)
    rate = options.workers / one  # answers per second with every worker busy
    if one >= SLOW_SECONDS:
        # Two requests per connection, each run until they are answered (at most
        # SLOW_RUN_SECONDS), in one round.
        return {"seconds": SLOW_RUN_SECONDS, "requests": 2 * options.clients, "rounds": 1,
                "slow": True, "one_request_seconds": seconds}
    length = int(min(max(options.seconds, math.ceil(20 / rate)), options.max_seconds))
    return {"seconds": length, "requests": None if route.read else options.write_pool,
            "rounds": options.rounds, "slow": False, "one_request_seconds": seconds}


def summarize(route, info, runs, plan):
    def med(name, key):
        values = [r[key] for r in runs[name] if r.get(key) is not None]
        return statistics.median(values) if values else None

    def ratio(floor):
        values = [w["rps"] / f["rps"] for w, f in zip(runs["wms"], runs[floor]) if f["rps"]]
        return statistics.median(values) if values else None

    return {
        "route": route.name, "method": route.method, "path": route.path,
        "targets": list(route.targets), "seconds_per_run": plan["seconds"],
        "requests_per_run": plan["requests"],
        "rounds_run": len(runs["wms"]),
        "one_request_ms": {name: round(t * 1000, 1)
                           for name, t in plan["one_request_seconds"].items()},
        "wms": {
            "rps": med("wms", "rps"), "p50_ms": med("wms", "p50_us") / 1000,
            "p99_ms": med("wms", "p99_us") / 1000,
            "p99_ms_worst": max(r["p99_us"] for r in runs["wms"]) / 1000,
            "answers": sum(r["answers"] for r in runs["wms"]),
            "errors": sum(r["http_errors"] + r["socket_errors"] + r["timeouts"]
                          for r in runs["wms"]),
            "statements": info["statements"], "pool_checkouts": info["checkouts"],
            "statements_by_per_page": info["statements_by_per_page"],
            "peak_rss_mb": max(r["peak_rss_mb"] or 0 for r in runs["wms"]),
            "bytes": round(statistics.median(info["sizes"])),
            "server_cpu_share": med("wms", "server_cpu_share"),
            "workers_replaced": sum(r["workers_replaced"] for r in runs["wms"]),
        },
        "floor_a": {"rps": med("floor_a", "rps"), "p50_ms": med("floor_a", "p50_us") / 1000,
                    "p99_ms": med("floor_a", "p99_us") / 1000},
        "floor_b": {"rps": med("floor_b", "rps"), "p50_ms": med("floor_b", "p50_us") / 1000,
                    "p99_ms": med("floor_b", "p99_us") / 1000,
                    "statements": info["floor_statements"],
                    "same_bytes": info["same_bytes"],
                    "errors": sum(r["http_errors"] + r["socket_errors"] + r["timeouts"]
                                  for r in runs["floor_b"])},
        "ratio_floor_a": ratio("floor_a"), "ratio_floor_b": ratio("floor_b"),
        "generator_cpu_share": max(r["generator_cpu_share"] for name in SERVERS
                                   for r in runs[name]),
        "rounds": runs,
    }


# --- Reports ---------------------------------------------------------------------------------

def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "python": platform.python_version()}


def commit():
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    dirty = git("status", "--porcelain", "--", "wms", "config.py", "wsgi.py", "migrations")
    return git("rev-parse", "--short", "HEAD") + ("-dirty" if dirty else "")


def versions():
    from importlib.metadata import version
    names = ("flask", "sqlalchemy", "marshmallow", "gunicorn", "psycopg", "authlib")
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    return {name: version(name) for name in names} | {"wrk": wrk}


TARGET_P50_MS, TARGET_P99_MS, TARGET_RSS_MB, TARGET_FLOOR_B = 25, 50, 150, 0.5


def targets(routes):
    """Issue 11's targets, route by route: met, or how far off."""
    out = []
    for r in routes:
        w = r["wms"]
        b = r["ratio_floor_b"]
        out.append({"route": r["route"], "target": "≥ 0.5 of floor (b)",
                    "met": b is not None and b >= TARGET_FLOOR_B,
                    "value": b and round(b, 2)})
        out.append({"route": r["route"], "target": "p99 < 50 ms at 8 clients",
                    "met": w["p99_ms"] < TARGET_P99_MS, "value": round(w["p99_ms"], 1)})
        if P50_ROUTES in r["targets"]:
            out.append({"route": r["route"], "target": "p50 < 25 ms",
                        "met": w["p50_ms"] < TARGET_P50_MS, "value": round(w["p50_ms"], 1)})
        out.append({"route": r["route"], "target": "peak RSS < 150 MB per worker",
                    "met": w["peak_rss_mb"] < TARGET_RSS_MB, "value": round(w["peak_rss_mb"])})
        by_size = {int(size): count for size, count in (w["statements_by_per_page"] or {}).items()}
        if by_size:
            out.append({"route": r["route"], "target": "same statements at any page size",
                        "met": len(set(by_size.values())) == 1, "value": by_size})
    return out


def fmt(value, digits=0):
    if value is None:
        return "–"
    if digits == 0 and abs(value) < 10:
        digits = 1
    return f"{value:,.{digits}f}"


def markdown(results):
    out = ["# Benchmark results", "",
           "Written by `make bench` (bench/run.py); bench/README.md says what is measured and "
           "how. Ratios are wms's requests per second over the floor's, the median of the "
           "rounds' ratios (each round runs wms and both floors back to back).", ""]
    for label, run in results["databases"].items():
        m = run["machine"]
        out += [f"## {run['database']}", "",
                f"{run['date']}, commit {run['commit']}; {m['cpu']}, {m['cores']} cores, "
                f"{m['ram_gb']} GB RAM; Python {m['python']}; {run['clients']} wrk connections, "
                f"gunicorn {run['workers']} sync workers; {run['rounds']} rounds; load average "
                f"{run['load_before']:.2f} before, {run['load_after']:.2f} after; store built in "
                + (f"{run['build_seconds']} s" if run["build_seconds"] is not None
                   else "an earlier run") + f"; bench {run['bench_seconds']:.0f} s.", "",
                table(run["routes"]), "",
                f"wrk used at most {max(r['generator_cpu_share'] for r in run['routes']):.0%} "
                "of one core in any run (floor (a) runs included).", ""]
        replaced = [f"{r['route']} ({r['wms']['workers_replaced']})" for r in run["routes"]
                    if r["wms"].get("workers_replaced")]
        if replaced:
            out += ["gunicorn killed and replaced wms workers whose request ran over its 30 s "
                    "timeout: " + ", ".join(replaced) + ".", ""]
        out += ["### Targets (issue 11)", "",
                "Why each target not met is not, and what it would take: bench/README.md, "
                "\"The targets not met\".", ""]
        for t in targets(run["routes"]):
            out.append(f"- {'met' if t['met'] else '**not met**'}: {t['route']}: {t['target']} "
                       f"({t['value']})")
        out.append("")
    return "\n".join(out)


def table(routes):
    rows = ["| route | wms req/s | p50 ms | p99 ms | answers | SQL | RSS MB | floor a req/s | "
            "floor b req/s | b SQL | ÷ a | ÷ b |", "|---" * 12 + "|"]
    for r in routes:
        w, a, b = r["wms"], r["floor_a"], r["floor_b"]
        rows.append(f"| {r['route']} | {fmt(w['rps'])} | {fmt(w['p50_ms'], 1)} | "
                    f"{fmt(w['p99_ms'], 1)} | {w['answers']}"
                    + (f" ({w['errors']} failed)" if w["errors"] else "")
                    + f" | {w['statements']} | "
                    f"{fmt(w['peak_rss_mb'])} | "
                    f"{fmt(a['rps'])} | {fmt(b['rps'])} | {b['statements']} | "
                    f"{fmt(r['ratio_floor_a'], 2)} | {fmt(r['ratio_floor_b'], 2)} |")
    return "\n".join(rows)


def readme_section(results):
    parts = []
    for label, run in results["databases"].items():
        m = run["machine"]
        parts += [f"{run['database']}, {run['date']}, commit {run['commit']}, {m['cpu']} "
                  f"({m['cores']} cores, {m['ram_gb']} GB), load average "
                  f"{run['load_before']:.1f} to {run['load_after']:.1f}:", "",
                  table(run["routes"]), ""]
    return "\n".join(parts).rstrip()


def write_results(new):
    results = {"databases": {}}
    if RESULTS_JSON.exists():
        results = json.loads(RESULTS_JSON.read_text())
    results["databases"].update(new)
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    RESULTS_MD.write_text(markdown(results) + "\n")
    if README.exists():
        text = README.read_text()
        if README_START in text and README_END in text:
            head, rest = text.split(README_START, 1)
            _old, tail = rest.split(README_END, 1)
            README.write_text(f"{head}{README_START}\n{readme_section(results)}\n"
                              f"{README_END}{tail}")


def main(argv=None):
    # A plain `kill` stops the servers too (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", action="append", metavar="URL",
                        help="A database to run on (repeatable). Default: SQLite "
                             "(bench/data/wms-bench.db), and DATABASE_URL's when it is set.")
    parser.add_argument("--rounds", type=int, default=Options.rounds)
    parser.add_argument("--seconds", type=int, default=Options.seconds,
                        help="Length of a run (longer for slow routes, up to --max-seconds).")
    parser.add_argument("--max-seconds", type=int, default=Options.max_seconds)
    parser.add_argument("--clients", type=int, default=Options.clients)
    parser.add_argument("--route", action="append", dest="only", default=[],
                        help="Only this route (by its name in the results; repeatable).")
    parser.add_argument("--locations", type=int, default=Options.locations,
                        help="Size of the store (default: the large store of `wms demo --scale "
                             "large`); a smaller one for a quick try.")
    parser.add_argument("--placements", type=int, default=Options.placements)
    parser.add_argument("--variations", type=int, default=Options.variations)
    parser.add_argument("--rebuild", action="store_true", help="Build the store anew.")
    parser.add_argument("--drop", action="store_true",
                        help="Delete the bench's store (SQLite file, PostgreSQL schema) and "
                             "stop.")
    parser.add_argument("--report", action="store_true",
                        help="Write results.md and the README's table again from results.json "
                             "and stop.")
    parser.add_argument("--no-save", action="store_true",
                        help="Print the results; leave results.* and the README alone.")
    args = parser.parse_args(argv)
    urls = args.database or [f"sqlite:///{DATA / 'wms-bench.db'}"] + (
        [os.environ["DATABASE_URL"]] if os.environ.get("DATABASE_URL") else [])
    targets_ = [make_target(url) for url in urls]
    if args.report:
        write_results({})
        return
    if args.drop:
        for target in targets_:
            drop_store(target)
        return
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is missing (bench/setup.sh installs it)")
    options = Options(rounds=args.rounds, seconds=args.seconds, max_seconds=args.max_seconds,
                      clients=args.clients, rebuild=args.rebuild, only=args.only,
                      locations=args.locations, placements=args.placements,
                      variations=args.variations)
    new = {}
    for target in targets_:
        def log(message):
            print(f"[{target.label}] {message}", flush=True)
        started, load_before = time.monotonic(), os.getloadavg()[0]
        log(f"bench on {target.label}")
        run = bench_database(target, options, log)
        new[target.label] = {
            **run, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": commit(), "machine": machine(), "versions": versions(),
            "clients": options.clients, "workers": options.workers, "rounds": options.rounds,
            "load_before": load_before, "load_after": os.getloadavg()[0],
            "bench_seconds": time.monotonic() - started}
        log(f"done in {new[target.label]['bench_seconds']:.0f} s")
    results = {"databases": new}
    print(markdown(results))
    if not args.no_save:
        write_results(new)


if __name__ == "__main__":
    main()
