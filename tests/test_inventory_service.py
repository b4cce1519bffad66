"""The inventory and rack services called directly: what they write, what they refuse, and that a
failure leaves nothing half-written."""
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from wms.errors import ApiError
from wms.extensions import db
from wms.models import Movement, Placement, Variation, WarehouseLocation
from wms.services import Actor
from wms.services.clients import create_client
from wms.services.inventory import locate, move
from wms.services.warehouses import map_rack

FREE_SKU = "2000011"      # a generated variation the demo does not place
PLACED_SKU = "1861705"    # the demo places it in R4-A2-N4


@pytest.fixture
def actor(ctx, demo):
    client, _secret = create_client(name="Scanner")
    return Actor(user_id=None, client_id=client.id)


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def counts():
    return count(Placement), count(Movement)


def location_id(code, warehouse_id=1):
    return db.session.scalar(sa.select(WarehouseLocation.id).where(
        WarehouseLocation.warehouse_id == warehouse_id, WarehouseLocation.mapped_string == code))


def variation_id(sku):
    return db.session.scalar(sa.select(Variation.id).where(Variation.sku == sku))


def placements_of(sku):
    return db.session.scalars(sa.select(Placement).where(
        Placement.variation_id == variation_id(sku)).order_by(Placement.id)).all()


def movements():
    """The movements written since the demo data's (which are `import`s)."""
    return db.session.scalars(sa.select(Movement).where(Movement.kind != "import")
                              .order_by(Movement.id)).all()


def at(code, warehouse_id=1):
    return {"warehouse_id": warehouse_id, "code": code}


# locate

def test_locate_writes_a_placement_and_a_movement(actor):
    before = counts()
    placement = locate(warehouse_id=1, sku=FREE_SKU, mapped_string="R2-A1-N1",
                       actor=actor).placement

    assert counts() == (before[0] + 1, before[1] + 1)
    assert placement.id is not None
    assert placement.warehouselocation_id == location_id("R2-A1-N1")
    assert placement.variation_id == variation_id(FREE_SKU)
    assert placement.user_id is None
    [movement] = movements()
    assert movement.kind == "locate"
    assert movement.variation_id == variation_id(FREE_SKU)
    assert movement.from_location_id is None
    assert movement.to_location_id == location_id("R2-A1-N1")
    assert movement.client_id == actor.client_id
    assert movement.user_id is None
    assert movement.created_at is not None


def test_locate_by_location_id(actor):
    placement = locate(warehouse_id=1, sku=FREE_SKU, location_id=location_id("R3-B2-N2"),
                       actor=actor).placement
    assert placement.warehouselocation_id == location_id("R3-B2-N2")


def test_locate_where_it_already_sits_writes_nothing(actor):
    first = locate(warehouse_id=1, sku=FREE_SKU, mapped_string="R2-A1-N1", actor=actor).placement
    before = counts()
    again = locate(warehouse_id=1, sku=FREE_SKU, mapped_string="R2-A1-N1", actor=actor).placement

    assert again.id == first.id
    assert counts() == before
    assert [p.id for p in placements_of(FREE_SKU)] == [first.id]


def test_locate_in_a_second_location_adds_a_placement(actor):
    locate(warehouse_id=1, sku=FREE_SKU, mapped_string="R2-A1-N1", actor=actor)
    locate(warehouse_id=1, sku=FREE_SKU, mapped_string="R2-A1-N2", actor=actor)
    assert {p.warehouselocation_id for p in placements_of(FREE_SKU)} == {
        location_id("R2-A1-N1"), location_id("R2-A1-N2")}
    assert [m.kind for m in movements()] == ["locate", "locate"]


# move

def test_move_changes_the_location_and_writes_a_movement(actor):
    [placement] = placements_of(PLACED_SKU)
    before = counts()
    moved = move(sku=PLACED_SKU, source=at("R4-A2-N4"), target=at("R1-B3-N2"), actor=actor)

    assert moved.id == placement.id
    assert moved.warehouselocation_id == location_id("R1-B3-N2")
    assert counts() == (before[0], before[1] + 1)
    db.session.expire_all()
    [stored] = placements_of(PLACED_SKU)
    assert (stored.id, stored.warehouselocation_id) == (placement.id, location_id("R1-B3-N2"))
    [movement] = movements()
    assert movement.kind == "move"
    assert movement.variation_id == variation_id(PLACED_SKU)
    assert movement.from_location_id == location_id("R4-A2-N4")
    assert movement.to_location_id == location_id("R1-B3-N2")
    assert movement.client_id == actor.client_id


def test_move_by_location_ids(actor):
    moved = move(sku=PLACED_SKU,
                 source={"warehouse_id": 1, "location_id": location_id("R4-A2-N4")},
                 target={"warehouse_id": 1, "location_id": location_id("R1-A1-N2")},
                 actor=actor)
    assert moved.warehouselocation_id == location_id("R1-A1-N2")


def test_move_onto_a_location_that_holds_the_sku_merges(actor):
    kept = locate(warehouse_id=1, sku=PLACED_SKU, mapped_string="R1-B3-N2", actor=actor).placement
    before = counts()
    result = move(sku=PLACED_SKU, source=at("R4-A2-N4"), target=at("R1-B3-N2"), actor=actor)

    assert result.id == kept.id
    assert result.warehouselocation_id == location_id("R1-B3-N2")
    assert counts() == (before[0] - 1, before[1] + 1)
    db.session.expire_all()
    [left] = placements_of(PLACED_SKU)
    assert (left.id, left.warehouselocation_id) == (kept.id, location_id("R1-B3-N2"))
    movement = movements()[-1]
    assert (movement.kind, movement.from_location_id, movement.to_location_id) == (
        "move", location_id("R4-A2-N4"), location_id("R1-B3-N2"))


def test_move_to_the_same_location_is_a_no_op(actor):
    [placement] = placements_of(PLACED_SKU)
    before = counts()
    result = move(sku=PLACED_SKU, source=at("R4-A2-N4"), target=at("R4-A2-N4"), actor=actor)

    assert (result.id, result.warehouselocation_id) == (placement.id, location_id("R4-A2-N4"))
    assert counts() == before
    assert movements() == []


# the legacy 404s: the right message, nothing written

LOCATE_404 = [
    ({"warehouse_id": 999, "sku": FREE_SKU, "mapped_string": "R1-A1-N1"},
     "La bodega no existe."),
    ({"warehouse_id": 1, "sku": FREE_SKU, "mapped_string": "R99-A1-N1"},
     "No se encontro la ubicacion destino."),
    ({"warehouse_id": 1, "sku": FREE_SKU, "location_id": 999999},
     "No se encontro la ubicacion destino."),
    ({"warehouse_id": 1, "sku": "no-such-sku", "mapped_string": "R1-A1-N1"},
     "No se encontro el SKU a ubicar."),
]


@pytest.mark.parametrize("params, message", LOCATE_404)
def test_locate_404s(actor, params, message):
    before = counts()
    with pytest.raises(ApiError) as raised:
        locate(actor=actor, **params)
    assert (raised.value.status_code, raised.value.message) == (404, message)
    assert counts() == before


MOVE_404 = [
    ({"source": at("R4-A2-N4", 999), "target": at("R1-A1-N1")}, "La bodega no existe."),
    ({"source": at("R4-A2-N4"), "target": at("R1-A1-N1", 999)}, "La bodega no existe."),
    ({"source": at("R99-A1-N1"), "target": at("R1-A1-N1")},
     "No se encontro la ubicacion inicial."),
    ({"source": at("R4-A2-N4"), "target": at("R99-A1-N1")},
     "No se encontro la ubicacion destino."),
    ({"sku": "no-such-sku", "source": at("R4-A2-N4"), "target": at("R1-A1-N1")},
     "No se encontro el SKU a ubicar."),
    ({"source": at("R1-A1-N1"), "target": at("R1-A1-N2")},
     "El item no se encontraba ubicado ahi."),
    ({"source": at("R1-A1-N1"), "target": at("R1-A1-N1")},
     "El item no se encontraba ubicado ahi."),
]


@pytest.mark.parametrize("params, message", MOVE_404)
def test_move_404s(actor, params, message):
    params = {"sku": PLACED_SKU, **params}
    before = counts()
    with pytest.raises(ApiError) as raised:
        move(actor=actor, **params)
    assert (raised.value.status_code, raised.value.message) == (404, message)
    assert counts() == before
    db.session.expire_all()
    assert [p.warehouselocation_id for p in placements_of(PLACED_SKU)] == [
        location_id("R4-A2-N4")]


# rollback: the placement change and its movement go together or not at all

@pytest.fixture
def ghost(actor):
    """An actor whose client does not exist: the movement's foreign key fails."""
    return Actor(user_id=None, client_id=actor.client_id + 1000)


def test_a_failed_locate_leaves_nothing(ghost):
    before = counts()
    with pytest.raises(IntegrityError):
        locate(warehouse_id=1, sku=FREE_SKU, mapped_string="R2-A1-N1", actor=ghost)
    assert counts() == before
    assert placements_of(FREE_SKU) == []


def test_a_failed_move_leaves_the_placement_where_it_was(ghost):
    [placement] = placements_of(PLACED_SKU)
    before = counts()
    with pytest.raises(IntegrityError):
        move(sku=PLACED_SKU, source=at("R4-A2-N4"), target=at("R1-B3-N2"), actor=ghost)
    assert counts() == before
    db.session.expire_all()
    [stored] = placements_of(PLACED_SKU)
    assert (stored.id, stored.warehouselocation_id) == (placement.id, location_id("R4-A2-N4"))


def test_a_failed_merge_leaves_both_placements(actor, ghost):
    [placed] = placements_of(PLACED_SKU)
    kept = locate(warehouse_id=1, sku=PLACED_SKU, mapped_string="R1-B3-N2", actor=actor).placement
    before = counts()
    with pytest.raises(IntegrityError):
        move(sku=PLACED_SKU, source=at("R4-A2-N4"), target=at("R1-B3-N2"), actor=ghost)
    assert counts() == before
    db.session.expire_all()
    assert {(p.id, p.warehouselocation_id) for p in placements_of(PLACED_SKU)} == {
        (placed.id, location_id("R4-A2-N4")), (kept.id, location_id("R1-B3-N2"))}


@pytest.fixture
def failing_insert(ctx):
    """`with failing_insert("movements"):` makes every INSERT into that table raise."""
    @contextmanager
    def failing(table):
        def fail(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
                raise RuntimeError("disk full")

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", fail)
        try:
            yield
        finally:
            sa.event.remove(engine, "before_cursor_execute", fail)

    return failing


def test_a_failing_movement_insert_rolls_the_move_back(actor, failing_insert):
    [placement] = placements_of(PLACED_SKU)
    before = counts()
    with failing_insert("movements"), pytest.raises(RuntimeError):
        move(sku=PLACED_SKU, source=at("R4-A2-N4"), target=at("R1-B3-N2"), actor=actor)
    assert counts() == before
    db.session.expire_all()
    [stored] = placements_of(PLACED_SKU)
    assert (stored.id, stored.warehouselocation_id) == (placement.id, location_id("R4-A2-N4"))


def test_a_failing_movement_insert_rolls_the_merge_back(actor, failing_insert):
    kept = locate(warehouse_id=1, sku=PLACED_SKU, mapped_string="R1-B3-N2", actor=actor).placement
    before = counts()
    with failing_insert("movements"), pytest.raises(RuntimeError):
        move(sku=PLACED_SKU, source=at("R4-A2-N4"), target=at("R1-B3-N2"), actor=actor)
    assert counts() == before
    assert {p.warehouselocation_id for p in placements_of(PLACED_SKU)} == {
        location_id("R4-A2-N4"), location_id("R1-B3-N2")}
    assert kept.id in {p.id for p in placements_of(PLACED_SKU)}


def test_an_integrity_error_that_is_not_a_race_is_not_retried(ghost, count_queries):
    with count_queries() as statements:
        with pytest.raises(IntegrityError):
            locate(warehouse_id=1, sku=FREE_SKU, mapped_string="R2-A1-N1", actor=ghost)
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO MOVEMENTS")]
    assert len(inserts) == 1


# map_rack

def test_map_rack_creates_the_next_rack_in_one_insert(ctx, demo, count_queries):
    with count_queries() as statements:
        rack, created = map_rack(warehouse_id=1, blocks=3, levels=4, sides=2)

    assert (rack, created) == (5, 24)
    inserts = [s for s in statements if "warehouse_locations" in s
               and s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1
    rows = db.session.execute(
        sa.select(WarehouseLocation.block, WarehouseLocation.level, WarehouseLocation.side,
                  WarehouseLocation.mapped_string, WarehouseLocation.active)
        .where(WarehouseLocation.warehouse_id == 1, WarehouseLocation.rack == 5)
    ).all()
    expected = {(b, lv, s, f"R5-{'AB'[s - 1]}{b}-N{lv}", True)
                for b in range(1, 4) for lv in range(1, 5) for s in (1, 2)}
    assert set(map(tuple, rows)) == expected
    assert len(rows) == 24


def test_map_rack_numbers_one_after_another(ctx, demo):
    assert map_rack(warehouse_id=1, blocks=1, levels=1, sides=1) == (5, 1)
    assert map_rack(warehouse_id=1, blocks=2, levels=1, sides=2) == (6, 4)
    codes = db.session.scalars(sa.select(WarehouseLocation.mapped_string).where(
        WarehouseLocation.rack == 6).order_by(WarehouseLocation.mapped_string)).all()
    assert codes == ["R6-A1-N1", "R6-A2-N1", "R6-B1-N1", "R6-B2-N1"]


def test_map_rack_of_an_unknown_warehouse(ctx, demo):
    before = count(WarehouseLocation)
    with pytest.raises(ApiError) as raised:
        map_rack(warehouse_id=999, blocks=1, levels=1, sides=1)
    assert (raised.value.status_code, raised.value.message) == (404, "La bodega no existe.")
    assert count(WarehouseLocation) == before


def test_map_rack_first_rack_of_an_empty_warehouse(ctx, demo):
    from wms.services.warehouses import create_warehouse
    warehouse = create_warehouse(name="Bodega2", store_id=1)
    assert map_rack(warehouse_id=warehouse.id, blocks=1, levels=2, sides=1) == (1, 2)
    assert count(WarehouseLocation, WarehouseLocation.warehouse_id == warehouse.id) == 2


def test_a_failing_rack_insert_leaves_no_locations(ctx, demo, monkeypatch):
    before = count(WarehouseLocation)
    # Two locations with the same code: the batch fails part way through.
    monkeypatch.setattr("wms.services.warehouses.location_code",
                        lambda rack, block, level, side: f"R{rack}-A1-N{min(level, 2)}")
    with pytest.raises(IntegrityError):
        map_rack(warehouse_id=1, blocks=1, levels=3, sides=1)
    assert count(WarehouseLocation) == before
    assert count(WarehouseLocation, WarehouseLocation.rack == 5) == 0


def test_a_failing_rack_insert_statement_leaves_no_locations(ctx, demo, failing_insert):
    before = count(WarehouseLocation)
    with failing_insert("warehouse_locations"), pytest.raises(RuntimeError):
        map_rack(warehouse_id=1, blocks=2, levels=2, sides=2)
    assert count(WarehouseLocation) == before
    assert map_rack(warehouse_id=1, blocks=1, levels=1, sides=1) == (5, 1)
