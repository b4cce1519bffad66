"""The dashboard's counts: scalar subqueries of one statement; nothing is loaded to be counted."""
import sqlalchemy as sa

from wms.errors import ApiError
from wms.extensions import db
from wms.models import Placement, Store, Variation, Warehouse, WarehouseLocation
from wms.services.inventory import placement_count
from wms.services.warehouses import WAREHOUSE_MISSING


def _count(what):
    return sa.select(sa.func.count(what))


def _whole_database():
    """The four counts of the web UI's dashboard (the legacy names)."""
    return {
        "productsLocatedCount": _count(sa.distinct(Variation.product_id))
        .select_from(Placement).join(Variation, Variation.id == Placement.variation_id),
        "warehousesCount": _count(Warehouse.id),
        "storesCount": _count(Store.id),
        "warehouseLocationsCount": _count(WarehouseLocation.id),
    }


def _of_warehouse(warehouse_id):
    """A warehouse's name (null: no such warehouse) and counts."""
    here = WarehouseLocation.warehouse_id == warehouse_id

    def placed(what):
        return _count(what).select_from(Placement).where(Placement.warehouse_id == warehouse_id)

    return {
        "name": sa.select(Warehouse.name).where(Warehouse.id == warehouse_id),
        "racks": _count(sa.distinct(WarehouseLocation.rack)).where(here),
        "locations": _count(WarehouseLocation.id).where(here),
        "active_locations": _count(WarehouseLocation.id)
        .where(here, WarehouseLocation.active == sa.true()),
        "occupied_locations": placed(sa.distinct(Placement.warehouselocation_id)),
        "placements": placement_count(warehouse_id),
        "skus": placed(sa.distinct(Placement.variation_id)),
    }


def summary(warehouse_id=None):
    """The whole database's counts and, given `warehouse_id`, `warehouse`: that warehouse's
    (404 if there is none)."""
    whole = _whole_database()
    columns = dict(whole)
    if warehouse_id is not None:
        of_warehouse = _of_warehouse(warehouse_id)
        columns.update(of_warehouse)
    row = db.session.execute(sa.select(*(
        stmt.scalar_subquery().label(name) for name, stmt in columns.items()))).one()
    values = row._asdict()
    result = {name: values[name] for name in whole}
    if warehouse_id is not None:
        if values["name"] is None:
            raise ApiError(WAREHOUSE_MISSING, 404)
        result["warehouse"] = {"id": warehouse_id,
                               **{name: values[name] for name in of_warehouse}}
    return result
