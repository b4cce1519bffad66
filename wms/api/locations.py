"""/api/v1/warehouselocations: racks, blocks and locations of a warehouse; mapping a rack;
printable labels."""
import io

from flask import Blueprint, send_file

from wms.oauth.guard import require_token
from wms.pagination import paginate
from wms.params import load
from wms.schemas.labels import LabelQuerySchema
from wms.schemas.warehouse import (BlockSchema, LocationWithWarehouseSchema, MapRackSchema,
                                   RackQuerySchema, RackSchema, WarehouseIdSchema)
from wms.services import labels, warehouses

bp = Blueprint("locations", __name__)
bp.before_request(require_token)


def _check_warehouse(warehouse_id, found_anything):
    """Finding nothing may mean an unknown warehouse (a 404): only then is it looked up."""
    if not found_anything:
        warehouses.get_warehouse(warehouse_id)


@bp.get("/getracks")
def racks():
    """The distinct racks of a warehouse, paginated."""
    warehouse_id = load(WarehouseIdSchema())["warehouse_id"]
    rows, count = warehouses.racks_query(warehouse_id)
    page = paginate(rows, count, lambda racks: RackSchema(many=True).dump(
        {"rack": rack} for rack in racks))
    _check_warehouse(warehouse_id, page["total"])
    return page


@bp.get("/getblocks")
def blocks():
    """The locations of one rack with their item counts (a plain array)."""
    args = load(RackQuerySchema())
    rows = warehouses.rack_blocks(args["warehouse_id"], args["rack"])
    _check_warehouse(args["warehouse_id"], rows)
    return BlockSchema(many=True).dump(rows)


@bp.get("/getall")
def index():
    """The locations of a warehouse, with warehouse and store, paginated."""
    warehouse_id = load(WarehouseIdSchema())["warehouse_id"]
    rows, count = warehouses.locations_query(warehouse_id)
    page = paginate(rows, count, LocationWithWarehouseSchema(many=True).dump)
    _check_warehouse(warehouse_id, page["total"])
    return page


@bp.post("/maplocations")
def map_locations():
    """Map a new rack: blocks x levels x sides locations with the next rack number."""
    data = load(MapRackSchema())
    rack, created = warehouses.map_rack(**data)
    return {"message": "Recurso creado.", "rack": str(rack), "locations_count": created}, 201


@bp.get("/labels")
def print_labels():
    """Printable labels of locations (a rack, one code or ids[]): PDF, PNG or ZPL."""
    printout = labels.location_labels(**load(LabelQuerySchema()))
    return send_file(io.BytesIO(printout.body), mimetype=printout.media_type,
                     as_attachment=True, download_name=printout.filename)
