"""Each placement repeats its location's warehouse (location_variations.warehouse_id), which a
warehouse's list pages and counts read: every write keeps it true, and the database refuses a
placement whose warehouse is not its location's."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from wms.extensions import db
from wms.models import Movement, Placement, WarehouseLocation
from wms.services.inventory import locate, move, remove, undo
from wms.services.warehouses import create_warehouse, map_rack

from wms.services import Actor
from wms.services.clients import create_client

from tests.test_inventory_service import FREE_SKU, PLACED_SKU, at, placements_of


def mismatched():
    """Placements whose warehouse_id is not their location's."""
    return db.session.execute(
        sa.select(Placement.id).join(Placement.warehouselocation)
        .where(Placement.warehouse_id != WarehouseLocation.warehouse_id)).all()


@pytest.fixture
def actor(ctx, demo):
    client, _secret = create_client(name="Scanner")
    return Actor(user_id=None, client_id=client.id)


@pytest.fixture
def second_warehouse(actor):
    warehouse = create_warehouse(name="Anexo", store_id=1)
    map_rack(warehouse_id=warehouse.id, blocks=1, levels=1, sides=1)
    code = db.session.scalar(sa.select(WarehouseLocation.mapped_string)
                             .where(WarehouseLocation.warehouse_id == warehouse.id))
    return warehouse.id, code


def test_the_demo_and_every_write_keep_it_true(actor, second_warehouse):
    warehouse_id, code = second_warehouse
    assert mismatched() == []

    located = locate(warehouse_id=warehouse_id, mapped_string=code, sku=FREE_SKU, actor=actor)
    moved = move(sku=PLACED_SKU, source=at("R4-A2-N4"),
                 target={"warehouse_id": warehouse_id, "code": code}, actor=actor)
    db.session.expire_all()
    assert (located.placement.warehouse_id, moved.warehouse_id) == (warehouse_id, warehouse_id)

    last_move = db.session.scalar(sa.select(Movement).order_by(Movement.id.desc()).limit(1))
    undo(movement_id=last_move.id, actor=actor)
    db.session.expire_all()
    [back] = placements_of(PLACED_SKU)
    assert back.warehouse_id == 1
    remove(code=FREE_SKU, actor=actor, warehouse_id=warehouse_id, mapped_string=code)
    removal = db.session.scalar(sa.select(Movement).order_by(Movement.id.desc()).limit(1))
    undo(movement_id=removal.id, actor=actor)
    db.session.expire_all()
    assert [p.warehouse_id for p in placements_of(FREE_SKU)] == [warehouse_id]
    assert mismatched() == []


def test_the_database_refuses_a_placement_in_another_warehouse_than_its_location(
        actor, second_warehouse):
    warehouse_id, _code = second_warehouse
    [placement] = placements_of(PLACED_SKU)
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(Placement).where(Placement.id == placement.id)
                           .values(warehouse_id=warehouse_id))
        db.session.flush()
    db.session.rollback()
    assert mismatched() == []
