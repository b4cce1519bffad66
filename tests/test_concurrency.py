"""Scanners at once: threads, each with its own app context (so its own session and connection),
started together, against the run's database (a SQLite file, or PostgreSQL).

The app fixture has no context pushed: every thread pushes its own, as a request would.
"""
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from wms.errors import ApiError
from wms.extensions import db
from wms.models import Movement, Placement, Variation, WarehouseLocation
from wms.services import Actor
from wms.services import inventory
from wms.services.clients import create_client
from wms.services.inventory import NOT_AT_SOURCE, locate, move
from wms.services.ledger import verify
from wms.services.warehouses import map_rack

THREADS = 8
TIMEOUT = 30


def run_together(app, calls):
    """Run each call in its own thread and app context, all released at once by a barrier.

    Returns one ("ok", value) or ("error", exception) per call, in the calls' order.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(i, call):
        with app.app_context():
            try:
                barrier.wait(TIMEOUT)
                outcomes[i] = ("ok", call())
            except Exception as error:  # noqa: BLE001 (reported to the test)
                outcomes[i] = ("error", error)

    threads = [threading.Thread(target=worker, args=(i, call), daemon=True)
               for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


def values(outcomes):
    errors = [outcome for kind, outcome in outcomes if kind == "error"]
    assert not errors, errors
    return [value for _kind, value in outcomes]


@pytest.fixture
def actor(app, demo):
    with app.app_context():
        client, _secret = create_client(name="Scanner")
        return Actor(user_id=None, client_id=client.id)


def read(app, stmt):
    with app.app_context():
        return db.session.execute(stmt).all()


def location_ids(app, *codes):
    rows = dict(read(app, sa.select(WarehouseLocation.mapped_string, WarehouseLocation.id)
                     .where(WarehouseLocation.warehouse_id == 1,
                            WarehouseLocation.mapped_string.in_(codes))))
    return [rows[code] for code in codes]


def variation_ids(app, *skus):
    rows = dict(read(app, sa.select(Variation.sku, Variation.id).where(Variation.sku.in_(skus))))
    return [rows[sku] for sku in skus]


def placements(app, *where):
    return set(read(app, sa.select(Placement.variation_id, Placement.warehouselocation_id)
                    .where(*where)))


def ledger(app, *where):
    """The movements written since the demo data's (which are `import`s)."""
    return read(app, sa.select(Movement.kind, Movement.variation_id, Movement.from_location_id,
                               Movement.to_location_id)
                .where(Movement.kind != "import", *where).order_by(Movement.id))


def test_racks_mapped_at_once_get_distinct_numbers(app, demo):
    def map_one():
        return map_rack(warehouse_id=1, blocks=3, levels=4, sides=2)

    results = values(run_together(app, [map_one] * THREADS))

    racks = sorted(rack for rack, _created in results)
    assert racks == list(range(5, 5 + THREADS))
    assert all(created == 24 for _rack, created in results)
    rows = read(app, sa.select(WarehouseLocation.rack, WarehouseLocation.mapped_string)
                .where(WarehouseLocation.warehouse_id == 1, WarehouseLocation.rack >= 5))
    assert len(rows) == THREADS * 24
    assert len({code for _rack, code in rows}) == THREADS * 24
    assert Counter(rack for rack, _code in rows) == {rack: 24 for rack in racks}
    assert all(code.startswith(f"R{rack}-") for rack, code in rows)


def test_the_same_sku_located_at_once_is_placed_once(app, actor):
    sku, code = "2000011", "R2-A1-N1"

    def locate_one():
        return locate(warehouse_id=1, sku=sku, mapped_string=code, actor=actor).placement.id

    ids = values(run_together(app, [locate_one] * THREADS))

    [variation_id], [location_id] = variation_ids(app, sku), location_ids(app, code)
    stored = read(app, sa.select(Placement.id).where(Placement.variation_id == variation_id))
    assert len(stored) == 1
    assert set(ids) == {stored[0][0]}
    assert ledger(app) == [("locate", variation_id, None, location_id)]


def test_the_same_sku_moved_at_once_moves_once(app, actor):
    sku, source = "1861705", "R4-A2-N4"
    targets = [f"R2-{side}{block}-N1" for side in "AB" for block in (1, 2, 3)] + [
        "R3-A1-N1", "R3-B1-N1"]
    assert len(targets) == THREADS

    def mover(target):
        return lambda: move(sku=sku, source={"warehouse_id": 1, "code": source},
                            target={"warehouse_id": 1, "code": target},
                            actor=actor).warehouselocation_id

    outcomes = run_together(app, [mover(target) for target in targets])

    moved = [value for kind, value in outcomes if kind == "ok"]
    refused = [error for kind, error in outcomes if kind == "error"]
    assert len(moved) == 1
    assert all(isinstance(error, ApiError) for error in refused), refused
    assert {(error.status_code, error.message) for error in refused} == {(404, NOT_AT_SOURCE)}
    [variation_id], [source_id] = variation_ids(app, sku), location_ids(app, source)
    assert placements(app, Placement.variation_id == variation_id) == {(variation_id, moved[0])}
    assert ledger(app) == [("move", variation_id, source_id, moved[0])]


def replay(start, movements):
    """The placements the ledger says there are: `start` changed by every movement in turn."""
    now = set(start)
    for kind, variation_id, from_id, to_id in movements:
        if kind in ("move", "remove"):
            now.discard((variation_id, from_id))
        if kind in ("locate", "move"):
            now.add((variation_id, to_id))
    return now


def test_locating_and_moving_into_one_location_at_once(app, actor):
    """Into R3-B3-N3: four new SKUs are located, four placed ones moved in, and two SKUs are
    both located there and moved there from elsewhere (one of the two merges or finds the
    other's placement)."""
    [target] = location_ids(app, "R3-B3-N3")
    assert placements(app, Placement.warehouselocation_id == target) == set()
    located = ["2000011", "2000020", "2000022", "2000031"]
    moved = [("1861705", "R4-A2-N4"), ("1921176", "R1-A1-N1"), ("1940121", "R1-A1-N1")]
    moved += [(sku, code) for sku, code in _placed(app, "2000012")]
    both = [("2000051", "R2-B3-N4"), ("2000060", "R2-B3-N4")]
    with app.app_context():
        for sku, code in both:
            locate(warehouse_id=1, sku=sku, mapped_string=code, actor=actor)
    start = placements(app)
    start_ledger = len(ledger(app))

    def locator(sku):
        return lambda: locate(warehouse_id=1, sku=sku, location_id=target,
                              actor=actor).placement.id

    def mover(sku, code):
        return lambda: move(sku=sku, source={"warehouse_id": 1, "code": code},
                            target={"warehouse_id": 1, "location_id": target}, actor=actor).id

    calls = [locator(sku) for sku in located] + [mover(sku, code) for sku, code in moved]
    calls += [locator(sku) for sku, _code in both] + [mover(sku, code) for sku, code in both]
    values(run_together(app, calls))

    final = placements(app)
    movements = ledger(app)[start_ledger:]
    assert final == replay(start, movements)
    skus = located + [sku for sku, _code in moved + both]
    ids = variation_ids(app, *skus)
    assert placements(app, Placement.warehouselocation_id == target) == {
        (variation_id, target) for variation_id in ids}
    for (sku, code), variation_id in zip(moved + both, ids[len(located):]):
        [source] = location_ids(app, code)
        assert (variation_id, source) not in final, sku
    kinds = Counter(kind for kind, *_rest in movements)
    merges = kinds["locate"] - len(located)  # a `both` SKU located first, then merged by its move
    assert 0 <= merges <= len(both)
    assert kinds["move"] == len(moved) + len(both)
    assert len(final) == len(start) + kinds["locate"] - merges == len(start) + len(located)


def _placed(app, sku):
    """(sku, code) of where the demo placed `sku`."""
    return read(app, sa.select(Variation.sku, WarehouseLocation.mapped_string)
                .join(Placement, Placement.variation_id == Variation.id)
                .join(WarehouseLocation, Placement.warehouselocation_id == WarehouseLocation.id)
                .where(Variation.sku == sku))


def test_scanners_mapping_racks_over_http_get_different_racks(app, demo, auth):
    """Through the routes: the token lookup runs before the mapping, as in production."""
    def post():
        response = app.test_client().post(
            "/api/v1/warehouselocations/maplocations", headers=auth,
            json={"warehouse_id": 1, "blocks": 1, "levels": 2, "sides": 2})
        return response.status_code, response.json

    answers = values(run_together(app, [post] * THREADS))

    assert {status for status, _ in answers} == {201}
    assert sorted(int(body["rack"]) for _, body in answers) == list(range(5, 5 + THREADS))


def _post(app, auth, route, body, key=None):
    def call():
        headers = {**auth, "Idempotency-Key": key} if key else auth
        response = app.test_client().post(f"/api/v1/locationvariation/{route}", json=body,
                                          headers=headers)
        return response.status_code, response.get_data(as_text=True)
    return call


def test_one_scan_sent_by_eight_threads_with_one_key_is_applied_once(app, demo, auth):
    body = {"warehouse_id_from": 1, "mapped_string_from": "R4-A2-N4", "warehouse_id_to": 1,
            "mapped_string_to": "R1-A1-N2", "sku": "1861705"}
    start = len(ledger(app))

    answers = values(run_together(app, [_post(app, auth, "moveitemscan", body, "k1")] * THREADS))

    assert {status for status, _ in answers} == {200}
    assert len({text for _, text in answers}) == 1  # every thread got the same answer
    assert [kind for kind, *_ in ledger(app)[start:]] == ["move"]


def test_one_movement_undone_by_eight_threads_is_undone_once(app, demo, auth):
    app.test_client().post("/api/v1/locationvariation/moveitemscan", headers=auth, json={
        "warehouse_id_from": 1, "mapped_string_from": "R4-A2-N4", "warehouse_id_to": 1,
        "mapped_string_to": "R1-A1-N2", "sku": "1861705"})
    [(movement_id,)] = read(app, sa.select(Movement.id).where(Movement.kind == "move"))

    answers = values(run_together(
        app, [_post(app, auth, "undo", {"movement_id": movement_id})] * THREADS))

    assert sorted(status for status, _ in answers) == [200] + [409] * (THREADS - 1)
    assert len(read(app, sa.select(Movement.id).where(Movement.undo_of == movement_id))) == 1
    [variation_id] = variation_ids(app, "1861705")
    [source] = location_ids(app, "R4-A2-N4")
    assert placements(app, Placement.variation_id == variation_id) == {(variation_id, source)}


def test_one_placement_removed_by_eight_threads_is_removed_once(app, demo, auth):
    body = {"warehouse_id": 1, "sku": "1861705", "mapped_string": "R4-A2-N4"}

    answers = values(run_together(
        app, [_post(app, auth, "removeitemfromlocation", body)] * THREADS))

    assert sorted(status for status, _ in answers) == [200] + [404] * (THREADS - 1)
    assert [kind for kind, *_ in ledger(app)] == ["remove"]


# A writer waiting for another at a placement numbers its movement after the other's

def _connection_id(connection):
    if connection.dialect.name == "postgresql":
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    return connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar()


def _waiting_for_a_lock(connection, connection_id):
    if connection.dialect.name == "postgresql":
        return connection.execute(sa.text(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :id"),
            {"id": connection_id}).scalar()
    return connection.execute(sa.text(
        "SELECT trx_state = 'LOCK WAIT' FROM information_schema.INNODB_TRX "
        "WHERE trx_mysql_thread_id = :id"), {"id": connection_id}).scalar()


def test_a_locate_that_waits_for_a_move_is_after_it_in_the_ledger(app, actor):
    """A locate of X at L finds nothing there; before it writes, another scanner places X at L
    and a third starts moving it on to N. The locate's INSERT waits for that move at the unique
    (location, variation) and goes in once the move commits: the locate came second, and the
    ledger must say so (in id order, the only order it has), or its replay loses X at L.
    (SQLite writers take turns from their first statement: this cannot happen there.)"""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite writers take turns (BEGIN IMMEDIATE)")
    sku, code, onward = "2000011", "R2-A1-N1", "R2-B1-N1"
    [variation_id], [location, next_location] = (variation_ids(app, sku),
                                                 location_ids(app, code, onward))
    look_up, done = inventory._location_with_sku, threading.Event()
    staged = {}

    def mover(connection, locator):
        """The move, begun: the placement's row changed, not yet committed. It records its
        movement and commits once the locate waits for it."""
        with app.app_context():
            with db.engine.connect() as watcher:
                deadline = time.monotonic() + TIMEOUT
                while not _waiting_for_a_lock(watcher, locator):
                    assert time.monotonic() < deadline, "the locate never waited"
                    time.sleep(0.01)
        connection.execute(sa.insert(Movement).values(
            kind="move", variation_id=variation_id, from_location_id=location,
            to_location_id=next_location, merged=False))
        connection.commit()
        done.set()

    def stage(*args, **kwargs):
        found = look_up(*args, **kwargs)
        if found[2] is None and not staged:  # (location, variation, its placement there)
            with db.engine.connect() as other:  # another scanner places X at L
                other.execute(sa.insert(Placement).values(
                    warehouselocation_id=location, warehouse_id=1, variation_id=variation_id))
                other.execute(sa.insert(Movement).values(
                    kind="locate", variation_id=variation_id, to_location_id=location,
                    merged=False))
                other.commit()
            moving = staged["connection"] = db.engine.connect()
            moving.execute(sa.update(Placement).where(
                Placement.variation_id == variation_id,
                Placement.warehouselocation_id == location).values(
                warehouselocation_id=next_location))
            staged["thread"] = threading.Thread(
                target=mover, args=(moving, _connection_id(db.session.connection())),
                daemon=True)
            staged["thread"].start()
        return found

    inventory._location_with_sku = stage
    try:
        with app.app_context():
            locate(warehouse_id=1, sku=sku, mapped_string=code, actor=actor)
    finally:
        inventory._location_with_sku = look_up
        if "thread" in staged:
            staged["thread"].join(TIMEOUT)
            staged["connection"].close()

    assert done.is_set()
    assert placements(app, Placement.variation_id == variation_id) == {
        (variation_id, location), (variation_id, next_location)}
    assert ledger(app, Movement.variation_id == variation_id) == [
        ("locate", variation_id, None, location),
        ("move", variation_id, location, next_location),
        ("locate", variation_id, None, location)]
    with app.app_context():
        assert verify() == ([], [])


def test_a_move_whose_placement_another_scanner_just_moved_moves_the_row_it_locked(app, actor):
    """A move of X from S to T reads T (X is there) in its first statement; before it locks X
    at S, another scanner moves that very row from T to S and commits. The move then locks the
    row at S: it must see it at S (not as its first read left it, at T) and move it to T, or
    the ledger says T while the row stays at S. PostgreSQL only: SQLite writers take turns,
    and MariaDB's shared lock of that first read holds the row, so the other move waits."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the other move cannot get in here (SQLite, MariaDB)")
    sku, source, target = "2000011", "R2-A1-N1", "R2-B1-N1"
    [variation_id], [source_id, target_id] = (variation_ids(app, sku),
                                              location_ids(app, source, target))
    with app.app_context():
        locate(warehouse_id=1, sku=sku, mapped_string=target, actor=actor)
    look_up, staged = inventory._location_with_sku, []

    def stage(*args, **kwargs):
        found = look_up(*args, **kwargs)
        if found[2] is not None and not staged:  # X at the target, read without a lock
            staged.append(found[2].id)
            with db.engine.connect() as other:  # another scanner moves it to the source
                other.execute(sa.update(Placement).where(Placement.id == found[2].id).values(
                    warehouselocation_id=source_id))
                other.execute(sa.insert(Movement).values(
                    kind="move", variation_id=variation_id, from_location_id=target_id,
                    to_location_id=source_id, merged=False))
                other.commit()
        return found

    inventory._location_with_sku = stage
    try:
        with app.app_context():
            moved = move(sku=sku, source={"warehouse_id": 1, "code": source},
                         target={"warehouse_id": 1, "code": target}, actor=actor)
            assert moved.warehouselocation_id == target_id
    finally:
        inventory._location_with_sku = look_up

    assert staged
    assert placements(app, Placement.variation_id == variation_id) == {(variation_id, target_id)}
    assert ledger(app, Movement.variation_id == variation_id) == [
        ("locate", variation_id, None, target_id), ("move", variation_id, target_id, source_id),
        ("move", variation_id, source_id, target_id)]
    with app.app_context():
        assert verify() == ([], [])
