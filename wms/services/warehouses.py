"""Warehouses and their mapped racks."""
import functools

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, with_expression

from wms.errors import ApiError, Conflict
from wms.extensions import db
from wms.models import Movement, Placement, Store, Warehouse, WarehouseLocation
from wms.models.warehouse import location_code
from wms.services import given, in_transaction
from wms.services.products import items_count

WAREHOUSE_MISSING = "La bodega no existe."
LOCATION_MISSING = "La ubicacion no existe."
WAREHOUSE_INVALID = "La información recibida no es valida."
WAREHOUSE_NOT_EMPTY = ("La bodega tiene productos ubicados: saquelos de sus ubicaciones antes de "
                       "eliminarla.")
LOCATION_ID_MISSING = "La localización no existe."


def get_warehouse(warehouse_id, lock=False):
    stmt = sa.select(Warehouse).where(Warehouse.id == warehouse_id)
    if lock:
        stmt = stmt.with_for_update()
    warehouse = db.session.scalar(stmt)
    if warehouse is None:
        raise ApiError(WAREHOUSE_MISSING, 404)
    return warehouse


def find_location(warehouse_id, code=None, location_id=None, missing=LOCATION_MISSING,
                  share=False):
    """A location of a warehouse, by its code or its id (with its id, the warehouse may go
    unnamed); 404 names what was not found. `share` holds a shared lock on its row until the
    transaction ends: whatever is put there sees it in service, and taking it out of service
    (set_location_active, which locks the row) waits for the transaction."""
    stmt, params = location_select(warehouse_id, code, location_id, share)
    location = db.session.scalar(stmt, params)
    if location is None:
        location_missing(warehouse_id, missing)
    return location


def location_select(warehouse_id, code=None, location_id=None, share=False):
    """(statement, params) of find_location, for a caller that joins more to the statement
    (its first entity is the location; `share` locks the location's row only). The statement
    is made once for each kind of lookup; `params` holds the values of its parameters
    `warehouse_id` and `location_id` or `code`."""
    params = {"location_id": location_id} if location_id is not None else {"code": code}
    if warehouse_id is not None:
        params["warehouse_id"] = warehouse_id
    return _location_statement(warehouse_id is not None, location_id is not None, share), params


@functools.cache
def _location_statement(by_warehouse, by_id, share):
    stmt = sa.select(WarehouseLocation)
    if share:
        stmt = stmt.with_for_update(read=True, of=WarehouseLocation).execution_options(
            populate_existing=True)
    if by_warehouse:
        stmt = stmt.where(WarehouseLocation.warehouse_id == sa.bindparam("warehouse_id"))
    if by_id:
        return stmt.where(WarehouseLocation.id == sa.bindparam("location_id"))
    return stmt.where(WarehouseLocation.mapped_string == sa.bindparam("code"))


def location_missing(warehouse_id, missing=LOCATION_MISSING):
    """Raise the 404 of a location not found: the warehouse's, if it does not exist either."""
    if warehouse_id is not None:
        get_warehouse(warehouse_id)
    raise ApiError(missing, 404)


def update_warehouse(*, warehouse_id, name, store_id):
    """Rename a warehouse or move it to another store."""
    def update():
        warehouse = get_warehouse(warehouse_id, lock=True)
        if db.session.get(Store, store_id) is None:
            raise ApiError(WAREHOUSE_INVALID, 400, {"store_id": ["La tienda no existe."]})
        warehouse.name, warehouse.store_id = name, store_id
        db.session.flush()
        return warehouse

    return in_transaction(update)


def destroy_warehouse(warehouse_id):
    """Delete a warehouse and its locations, in one transaction, if none of them holds a
    placement (409 otherwise). The ledger keeps its movements, their ends become null; a
    placement made meanwhile fails the delete at its foreign key, which rolls it all back."""
    def destroy():
        warehouse = get_warehouse(warehouse_id, lock=True)
        locations = sa.select(WarehouseLocation.id).where(
            WarehouseLocation.warehouse_id == warehouse_id)
        if db.session.scalar(sa.select(Placement.id).where(
                Placement.warehouselocation_id.in_(locations)).limit(1)) is not None:
            raise Conflict(WAREHOUSE_NOT_EMPTY, 409)
        db.session.execute(sa.delete(WarehouseLocation)
                           .where(WarehouseLocation.warehouse_id == warehouse_id))
        db.session.delete(warehouse)
        db.session.flush()

    in_transaction(destroy)


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


def all_stores(column="id", order="asc"):
    """Every store, sorted by one of its columns (a name from STORE_SORTS), then by id."""
    direction = sa.desc if order == "desc" else sa.asc
    return db.session.scalars(sa.select(Store).order_by(
        direction(Store.__table__.c[column]), Store.id)).all()


def warehouses_query(store_id=None):
    """(rows, count, params): statements of warehouses with their store, and their parameters'
    values."""
    rows, count = _warehouses_statements(store_id is not None)
    return rows, count, given(store_id=store_id)


@functools.cache
def _warehouses_statements(by_store):
    """Made once for each kind of filter, with bound parameters for its values (as the other
    busy lists' statements are: building a statement costs more than running it)."""
    where = [Warehouse.store_id == sa.bindparam("store_id")] if by_store else []
    rows = (sa.select(Warehouse).options(joinedload(Warehouse.store))
            .where(*where).order_by(Warehouse.id))
    return rows, sa.select(sa.func.count(Warehouse.id)).where(*where)


def racks_query(warehouse_id):
    """(rows, count, params): statements of a warehouse's distinct rack numbers, and their
    parameters' values."""
    return *_racks_statements(), {"warehouse_id": warehouse_id}


@functools.cache
def _racks_statements():
    where = WarehouseLocation.warehouse_id == sa.bindparam("warehouse_id")
    rows = (sa.select(WarehouseLocation.rack).where(where)
            .group_by(WarehouseLocation.rack).order_by(WarehouseLocation.rack))
    count = sa.select(sa.func.count(sa.distinct(WarehouseLocation.rack))).where(where)
    return rows, count


def locations_query(warehouse_id, q=None, column="id", order="asc", rack=None, active=None):
    """(rows, count, params): statements of a warehouse's locations, with warehouse and store:
    those whose code contains `q` (any case; `%`, `_` and `\\` match themselves), of one rack,
    in or out of service; sorted by `column` (a column's name) in `order`, then by id; and
    their parameters' values."""
    build = _locations_statements if q else _kept_locations_statements
    rows, count = build(column, order, rack is not None, active is not None, q)
    return rows, count, given(warehouse_id=warehouse_id, rack=rack, active=active)


def _locations_statements(column, order, by_rack, by_active, q=None):
    where = [WarehouseLocation.warehouse_id == sa.bindparam("warehouse_id"),
             *_location_filters(sa.bindparam("rack") if by_rack else None,
                                sa.bindparam("active") if by_active else None)]
    if q:
        where.append(WarehouseLocation.mapped_string.icontains(q, autoescape=True))
    sort = [WarehouseLocation.__table__.c[column], WarehouseLocation.id]
    direction = sa.desc if order == "desc" else sa.asc
    rows = (sa.select(WarehouseLocation)
            .options(joinedload(WarehouseLocation.warehouse).joinedload(Warehouse.store))
            .where(*where).order_by(*(direction(c) for c in sort)))
    return rows, sa.select(sa.func.count(WarehouseLocation.id)).where(*where)


# Without a search the statements are made once for each sort and kind of filter (a search's
# text is in its statement: those are made for their request).
_kept_locations_statements = functools.cache(_locations_statements)


def _location_filters(rack=None, active=None):
    where = []
    if rack is not None:
        where.append(WarehouseLocation.rack == rack)
    if active is not None:
        where.append(WarehouseLocation.active == active)
    return where


def _last_movement_at():
    """When the ledger last took something out of or put something into the location of the
    enclosing query: the later of two MAX subqueries, one per ledger column, so that each is an
    index lookup (an OR of the two columns is not on every database)."""
    def latest(column):
        return (sa.select(sa.func.max(Movement.created_at)).where(column == WarehouseLocation.id)
                .correlate(WarehouseLocation).scalar_subquery())

    sent, received = latest(Movement.from_location_id), latest(Movement.to_location_id)
    # GREATEST is not SQLite's, and is NULL on MariaDB when either is.
    return sa.case((sent > received, sent), else_=sa.func.coalesce(received, sent))


def occupancy_query(warehouse_id, rack=None, active=None, empty=None):
    """(rows, count) statements of the ids of a warehouse's locations (of one rack, in or out
    of service, empty or not) in rack, block, level, side order: a page of them is then read
    by `occupancy`."""
    where = [WarehouseLocation.warehouse_id == warehouse_id, *_location_filters(rack, active)]
    if empty is not None:
        held = sa.exists().where(Placement.warehouselocation_id == WarehouseLocation.id)
        where.append(~held if empty else held)
    rows = (sa.select(WarehouseLocation.id).where(*where)
            .order_by(WarehouseLocation.rack, WarehouseLocation.block, WarehouseLocation.level,
                      WarehouseLocation.side, WarehouseLocation.id))
    return rows, sa.select(sa.func.count(WarehouseLocation.id)).where(*where)


def occupancy(location_ids):
    """The locations `location_ids`, in that order, with their item counts and last movement
    times, in one statement. The page is chosen before (occupancy_query), without them: with
    the counts in the page query the database would work them out for every row an OFFSET
    skips too."""
    if not location_ids:
        return []
    stmt = (sa.select(WarehouseLocation)
            .options(with_expression(WarehouseLocation.items_count, items_count()),
                     with_expression(WarehouseLocation.last_movement_at, _last_movement_at()))
            .where(WarehouseLocation.id.in_(location_ids))
            .execution_options(populate_existing=True))
    by_id = {location.id: location for location in db.session.scalars(stmt)}
    return [by_id[location_id] for location_id in location_ids]


def set_location_active(location_id, active):
    """Put a location in service (`active`) or take it out, in one transaction that holds the
    lock on its row."""
    def update():
        location = db.session.scalar(
            sa.select(WarehouseLocation).where(WarehouseLocation.id == location_id)
            .with_for_update())
        if location is None:
            raise ApiError(LOCATION_ID_MISSING, 404)
        location.active = active
        db.session.flush()
        return location

    return in_transaction(update)
