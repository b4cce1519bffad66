"""/api/v1/warehouses: list and create warehouses."""
from flask import Blueprint

from wms.oauth.guard import require_token
from wms.pagination import paginate
from wms.params import load
from wms.schemas.warehouse import (NewWarehouseSchema, WarehouseFilterSchema, WarehouseSchema,
                                   WarehouseWithStoreSchema)
from wms.services import warehouses

bp = Blueprint("warehouses", __name__)
bp.before_request(require_token)


@bp.get("/getall")
def index():
    """Warehouses with their store, paginated; `store_id` filters."""
    args = load(WarehouseFilterSchema())
    rows, count = warehouses.warehouses_query(args["store_id"])
    return paginate(rows, count, WarehouseWithStoreSchema(many=True).dump)


@bp.post("/store")
def store():
    """Create a warehouse of a store."""
    data = load(NewWarehouseSchema(), message="Campos Inválidos.")
    warehouse = warehouses.create_warehouse(**data)
    return WarehouseSchema().dump(warehouse), 201
