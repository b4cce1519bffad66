"""Warehouses and their mapped racks."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from wms.errors import ApiError
from wms.extensions import db
from wms.models import Placement, Store, Warehouse, WarehouseLocation
from wms.models.warehouse import location_code
from wms.services import in_transaction

WAREHOUSE_MISSING = "La bodega no existe."
LOCATION_MISSING = "La ubicacion no existe."


def get_warehouse(warehouse_id, lock=False):
    stmt = sa.select(Warehouse).where(Warehouse.id == warehouse_id)
    if lock:
        stmt = stmt.with_for_update()
    warehouse = db.session.scalar(stmt)
    if warehouse is None:
        raise ApiError(WAREHOUSE_MISSING, 404)
    return warehouse


def find_location(warehouse_id, code=None, location_id=None, missing=LOCATION_MISSING):
    """A location of a warehouse, by its code or its id (with its id, the warehouse may go
    unnamed); 404 names what was not found."""
    stmt = sa.select(WarehouseLocation)
    if warehouse_id is not None:
        stmt = stmt.where(WarehouseLocation.warehouse_id == warehouse_id)
    if location_id is not None:
        stmt = stmt.where(WarehouseLocation.id == location_id)
    else:
        stmt = stmt.where(WarehouseLocation.mapped_string == code)
    location = db.session.scalar(stmt)
    if location is None:
        if warehouse_id is not None:
            get_warehouse(warehouse_id)
        raise ApiError(missing, 404)
    return location


def create_warehouse(*, name, store_id):
    def create():
        if db.session.get(Store, store_id) is None:
            raise ApiError("Campos Inválidos.", 400, {"store_id": ["La tienda no existe."]})
        warehouse = Warehouse(name=name, store_id=store_id)
        db.session.add(warehouse)
        db.session.flush()
        return warehouse

    return in_transaction(create)


def map_rack(*, warehouse_id, blocks, levels, sides):
    """Create the next rack of a warehouse: one location per block x level x side.

    The warehouse row is locked, so concurrent mappings take turns (on SQLite the unit of work
    holds the database's write lock instead); should two still meet, the unique code makes the
    loser retry with the next number.
    """
    def create():
        get_warehouse(warehouse_id, lock=True)
        last = db.session.scalar(
            sa.select(sa.func.max(WarehouseLocation.rack))
            .where(WarehouseLocation.warehouse_id == warehouse_id)
        )
        rack = (last or 0) + 1
        rows = [
            {"warehouse_id": warehouse_id, "rack": rack, "block": block, "level": level,
             "side": side, "mapped_string": location_code(rack, block, level, side)}
            for block in range(1, blocks + 1)
            for level in range(1, levels + 1)
            for side in range(1, sides + 1)
        ]
        db.session.execute(sa.insert(WarehouseLocation), rows)
        return rack, len(rows)

    return in_transaction(create)


def warehouses_query(store_id=None):
    """(rows, count) statements of warehouses with their store."""
    where = [Warehouse.store_id == store_id] if store_id else []
    rows = (sa.select(Warehouse).options(joinedload(Warehouse.store))
            .where(*where).order_by(Warehouse.id))
    return rows, sa.select(sa.func.count(Warehouse.id)).where(*where)


def racks_query(warehouse_id):
    """(rows, count) statements of a warehouse's distinct rack numbers."""
    where = WarehouseLocation.warehouse_id == warehouse_id
    rows = (sa.select(WarehouseLocation.rack).where(where)
            .group_by(WarehouseLocation.rack).order_by(WarehouseLocation.rack))
    count = sa.select(sa.func.count(sa.distinct(WarehouseLocation.rack))).where(where)
    return rows, count


def locations_query(warehouse_id):
    """(rows, count) statements of a warehouse's locations, with warehouse and store."""
    where = WarehouseLocation.warehouse_id == warehouse_id
    rows = (sa.select(WarehouseLocation)
            .options(joinedload(WarehouseLocation.warehouse).joinedload(Warehouse.store))
            .where(where).order_by(WarehouseLocation.id))
    return rows, sa.select(sa.func.count(WarehouseLocation.id)).where(where)


def rack_blocks(warehouse_id, rack):
    """A rack's locations with the number of placements in each, in one query."""
    items = (sa.select(sa.func.count(Placement.id))
             .where(Placement.warehouselocation_id == WarehouseLocation.id)
             .correlate(WarehouseLocation).scalar_subquery())
    stmt = (sa.select(WarehouseLocation, items.label("items_count"))
            .where(WarehouseLocation.warehouse_id == warehouse_id,
                   WarehouseLocation.rack == rack)
            .order_by(WarehouseLocation.block, WarehouseLocation.level, WarehouseLocation.side))
    return [
        {**{c: getattr(location, c) for c in
            ("id", "rack", "block", "level", "side", "mapped_string")}, "items_count": count}
        for location, count in db.session.execute(stmt)
    ]
