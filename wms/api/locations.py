"""/api/v1/warehouselocations: racks, blocks and locations of a warehouse; mapping a rack;
printable labels."""
import io

from flask import Blueprint, send_file

from wms.api.profiles import profile
from wms.oauth.guard import require_token
from wms.pagination import paginate
from wms.params import load
from wms.schemas.labels import LabelQuerySchema
from wms.schemas.clients import BlockSearchSchema, RackSearchSchema, product_filter_args
from wms.schemas.warehouse import (LocationActiveSchema, LocationListSchema, LocationRowSchema,
                                   LocationStatusSchema, MapRackSchema, MapResultSchema,
                                   OccupancyQuerySchema, OccupancySchema)
from wms.services import labels, products, warehouses
from wms.services.products import ProductFilter
from wms.schemas import shape
from wms.labels import MEDIA_TYPES
from wms.openapi import BINARY, doc
from wms.schemas.envelopes import laravel_page

LABEL_CONTENT = {media_type: BINARY for media_type in MEDIA_TYPES.values()}

bp = Blueprint("locations", __name__)
bp.before_request(require_token)


def _check_warehouse(warehouse_id, found_anything):
    """Finding nothing may mean an unknown warehouse (a 404): only then is it looked up."""
    if not found_anything:
        warehouses.get_warehouse(warehouse_id)


@bp.get("/getracks")
@doc(query=RackSearchSchema, shaped="racks", errors=[404])
def racks():
    """The racks of a warehouse: paginated numbers (spec), or every rack with how many
    products of the search it holds (clients-2019)."""
    args = load(shape(RackSearchSchema))
    search = ProductFilter(**product_filter_args(args))
    answer = profile().racks(args["warehouse_id"], search)
    _check_warehouse(args["warehouse_id"], answer["total"] if isinstance(answer, dict)
                     else answer)
    return answer


@bp.get("/getblocks")
@doc(query=BlockSearchSchema, shaped="blocks", errors=[404])
def blocks():
    """The locations of one rack with how many placements (of the search's products) each
    holds: a plain array."""
    args = load(shape(BlockSearchSchema))
    search = ProductFilter(**product_filter_args(args))
    rows = products.rack_blocks(args["warehouse_id"], args["rack"], search)
    _check_warehouse(args["warehouse_id"], rows)
    return profile().blocks(rows)


@bp.get("/getall")
@doc(query=LocationListSchema, response=laravel_page(LocationRowSchema), errors=[404])
def index():
    """The locations of a warehouse, with warehouse and store, searched, filtered, sorted and
    paginated."""
    args = load(shape(LocationListSchema))
    rows, count, params = warehouses.locations_query(**args)
    page = paginate(rows, count, shape(LocationRowSchema, many=True).dump, params=params)
    _check_warehouse(args["warehouse_id"], page["total"])
    return page


@bp.get("/occupancy")
@doc(query=OccupancyQuerySchema, response=laravel_page(OccupancySchema), errors=[404])
def occupancy():
    """Every location of a warehouse with its item count and last movement, for a rack map."""
    args = load(shape(OccupancyQuerySchema))
    rows, count = warehouses.occupancy_query(**args)
    page = paginate(rows, count, lambda ids: shape(OccupancySchema, many=True).dump(
        warehouses.occupancy(ids)))
    _check_warehouse(args["warehouse_id"], page["total"])
    return page


@bp.post("/editlocationactive")
@doc(body=LocationActiveSchema, response=LocationStatusSchema, errors=[404])
def edit_active():
    """Put a location in service (`chk` true) or take it out (false)."""
    args = load(shape(LocationActiveSchema))
    location = warehouses.set_location_active(args["id"], args["chk"])
    # The web UI's success text, beside the location.
    return {**shape(LocationStatusSchema).dump(location), "message": "Se modifico con exito"}


@bp.post("/maplocations")
@doc(body=MapRackSchema, shaped="map", errors=[404])
def map_locations():
    """Map a new rack: blocks x levels x sides locations with the next rack number."""
    with profile().map_errors():
        data = load(shape(MapRackSchema))
        rack, created = warehouses.map_rack(**data)
    return shape(MapResultSchema).dump({"rack": rack, "locations_count": created}), 201


@bp.get("/labels")
@doc(query=LabelQuerySchema, content=LABEL_CONTENT, errors=[404])
def print_labels():
    """Printable labels of locations (a rack, one code or ids[]): PDF, PNG or ZPL."""
    printout = labels.location_labels(**load(shape(LabelQuerySchema)))
    return send_file(io.BytesIO(printout.body), mimetype=printout.media_type,
                     as_attachment=True, download_name=printout.filename)
