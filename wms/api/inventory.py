"""/api/v1/locationvariation: where SKUs sit; placing and moving them by scanner or web."""
from flask import Blueprint

from wms.oauth.guard import current_actor, require_token
from wms.pagination import paginate
from wms.params import load
from wms.schemas.inventory import (LocateSchema, MoveSchema, PlacementDetailSchema,
                                   PlacementFilterSchema, PlacementInLocationSchema,
                                   PlacementSchema)
from wms.schemas.warehouse import LocationQuerySchema
from wms.services import inventory, warehouses

bp = Blueprint("inventory", __name__)
bp.before_request(require_token)


@bp.get("/getall")
def index():
    """Placements with variation, product images and location, paginated."""
    args = load(PlacementFilterSchema())
    rows, count = inventory.placements_query(**args)
    return paginate(rows, count, PlacementDetailSchema(many=True).dump)


@bp.get("/getitemsinlocation")
def items_in_location():
    """The placements of one location, paginated."""
    args = load(LocationQuerySchema())
    location = warehouses.find_location(args["warehouse_id"], args["mapped_string"])
    rows, count = inventory.location_items_query(location.id)
    return paginate(rows, count, PlacementInLocationSchema(many=True).dump)


def _locate():
    data = load(LocateSchema())
    placement = inventory.locate(
        warehouse_id=data["warehouse_id"], sku=data["sku"], actor=current_actor(),
        mapped_string=data["mapped_string"], location_id=data["warehouselocation_id"])
    return PlacementSchema().dump(placement)


def _move():
    data = load(MoveSchema())
    ends = {}
    for end in ("from", "to"):
        ends[end] = {"warehouse_id": data[f"warehouse_id_{end}"],
                     "code": data[f"mapped_string_{end}"],
                     "location_id": data[f"warehouselocation_id_{end}"]}
    placement = inventory.move(sku=data["sku"], source=ends["from"], target=ends["to"],
                               actor=current_actor())
    return PlacementSchema().dump(placement)


@bp.post("/locateitemscan")
def locate_scan():
    """Place a scanned SKU in a scanned location."""
    return _locate()


@bp.post("/locateitemweb")
def locate_web():
    """Place a SKU in a location chosen on the web (by code or by id)."""
    return _locate()


@bp.post("/moveitemscan")
def move_scan():
    """Move a scanned SKU between two scanned locations."""
    return _move()


@bp.post("/moveitemweb")
def move_web():
    """Move a SKU between two locations chosen on the web."""
    return _move()
