"""/api/v1/warehouses: list, create, update and delete warehouses."""
from flask import Blueprint

from wms.oauth.guard import require_token
from wms.pagination import paginate
from wms.params import load
from wms.schemas.clients import WarehouseUpdateSchema
from wms.schemas.warehouse import (NewWarehouseSchema, WarehouseFilterSchema, WarehouseIdSchema,
                                   WarehouseSchema, WarehouseWithStoreSchema)
from wms.services import warehouses
from wms.services.warehouses import WAREHOUSE_INVALID
from wms.schemas import shape
from wms.openapi import doc
from wms.schemas.envelopes import MessageSchema, laravel_page

bp = Blueprint("warehouses", __name__)
bp.before_request(require_token)


@bp.get("/getall")
@doc(query=WarehouseFilterSchema, response=laravel_page(WarehouseWithStoreSchema))
def index():
    """Warehouses with their store, paginated; `store_id` filters."""
    args = load(shape(WarehouseFilterSchema))
    rows, count, params = warehouses.warehouses_query(args["store_id"])
    return paginate(rows, count, shape(WarehouseWithStoreSchema, many=True).dump, params=params)


@bp.post("/store")
@doc(body=NewWarehouseSchema, response=WarehouseSchema, status=201, errors=[404])
def store():
    """Create a warehouse of a store."""
    data = load(shape(NewWarehouseSchema), message="Campos Inválidos.")
    warehouse = warehouses.create_warehouse(**data)
    return shape(WarehouseSchema).dump(warehouse), 201


@bp.post("/update")
@doc(body=WarehouseUpdateSchema, response=WarehouseWithStoreSchema, errors=[404])
def update():
    """Rename a warehouse or move it to another store (the web UI's table edit)."""
    data = load(shape(WarehouseUpdateSchema), message=WAREHOUSE_INVALID)
    warehouse = warehouses.update_warehouse(**data)
    return shape(WarehouseWithStoreSchema).dump(warehouse)


@bp.post("/destroy")
@doc(body=WarehouseIdSchema, response=MessageSchema, errors=[404, 409])
def destroy():
    """Delete a warehouse and its locations, unless they hold placements (409)."""
    warehouse_id = load(shape(WarehouseIdSchema))["warehouse_id"]
    warehouses.destroy_warehouse(warehouse_id)
    return {"message": "Ok."}
