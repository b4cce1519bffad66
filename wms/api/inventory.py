"""/api/v1/locationvariation: where SKUs sit; placing, moving, removing them by scanner or web,
the ledger's history and undo, offline batches. Every POST is replay-safe (wms/api/scans.py)."""
import io

from flask import Blueprint, send_file

from wms.api.profiles import profile
from wms.api.scans import respond, run_batch
from wms.errors import Conflict
from wms.oauth.guard import current_actor, require_token
from wms.pagination import paginate
from wms.params import load
from wms.schemas.clients import (InventorySearchSchema, LatestProductSchema, LatestQuerySchema,
                                 ScannedCodeSchema, ScannedProductSchema, StickerQuerySchema,
                                 product_filter_args)
from wms.schemas.inventory import (BatchResultSchema, BatchSchema, HistoryFilterSchema,
                                   ItemLocationsSchema, LocateSchema, MoveSchema, MovementSchema,
                                   PlacementSchema, RemovalSchema, RemoveSchema, SkuListSchema,
                                   UndoResultSchema, UndoSchema, error_body)
from wms.schemas.warehouse import LocationQuerySchema
from wms.services import idempotency, inventory, labels, ledger, products, warehouses
from wms.services.products import ProductFilter
from wms.schemas import shape
from wms.openapi import BINARY, Many, doc
from wms.schemas.envelopes import laravel_page

bp = Blueprint("inventory", __name__)
bp.before_request(require_token)


@bp.errorhandler(Conflict)
def conflict(error):
    return error_body(error), error.status_code


@bp.get("/getall")
@doc(query=InventorySearchSchema, shaped="inventory")
def index():
    """The inventory, paginated: placements (spec) or products (clients-2019), searched."""
    args = load(shape(InventorySearchSchema))
    search = ProductFilter(**product_filter_args(args, exact_sku=True))
    return profile().inventory(search, args["warehouse_id"], args["notLocated"])


@bp.get("/getitemsinlocation")
@doc(query=LocationQuerySchema, shaped="items_in_location", errors=[404])
def items_in_location():
    """What one location holds, paginated: placements (spec) or products (clients-2019)."""
    args = load(shape(LocationQuerySchema))
    location = warehouses.find_location(args["warehouse_id"], args["mapped_string"])
    return profile().items_in_location(location)


@bp.get("/getlatest")
@doc(query=LatestQuerySchema, response=laravel_page(LatestProductSchema), errors=[404])
def latest():
    """The products placed in a warehouse most recently, paginated (the web UI's dashboard)."""
    args = load(shape(LatestQuerySchema))
    warehouses.get_warehouse(args["warehouse_id"])
    rows, count = products.latest_products_query(args["warehouse_id"], args["q"])
    return paginate(rows, count, shape(LatestProductSchema, many=True).dump, per_page=10)


@bp.get("/getlocationsofproduct")
@doc(query=ScannedCodeSchema, response=ScannedProductSchema, errors=[404])
def locations_of_product():
    """The product of a scanned SKU or style code, with its variations and locations (the
    scanner app's product screen)."""
    args = load(shape(ScannedCodeSchema))
    return shape(ScannedProductSchema).dump(products.scanned_product(args["sku"]))


@bp.get("/printsticker")
@doc(query=StickerQuerySchema, content={"application/pdf": BINARY}, errors=[404])
def print_sticker():
    """A PDF of a product's labels (one per variation) or of a location's label."""
    printout = labels.sticker(**load(shape(StickerQuerySchema)))
    return send_file(io.BytesIO(printout.body), mimetype=printout.media_type,
                     as_attachment=True, download_name=printout.filename)


@bp.get("/getlocationsofitem")
@doc(query=SkuListSchema, response=Many(ItemLocationsSchema), errors=[404])
def locations_of_item():
    """Every location of a SKU (`sku`), or of several (`skus[]`), with its warehouse."""
    args = load(shape(SkuListSchema))
    skus = args["skus"] or [args["sku"]]
    return shape(ItemLocationsSchema, many=True).dump(inventory.locations_of_skus(skus))


@bp.get("/history")
@doc(query=HistoryFilterSchema, response=laravel_page(MovementSchema))
def history():
    """The ledger, newest first, filtered, paginated."""
    args = load(shape(HistoryFilterSchema))
    rows, count = ledger.history_query(**args)
    return paginate(rows, count, shape(MovementSchema, many=True).dump)


# --- Writes: each action's write and answer, shared by its route and by batches ---------------

def _locate(data):
    return inventory.locate(
        warehouse_id=data["warehouse_id"], sku=data["sku"], actor=current_actor(),
        mapped_string=data["mapped_string"], location_id=data["warehouselocation_id"],
        siblings=data["withSiblings"], scanned_at=data["scanned_at"])


def _move(data):
    ends = {}
    for end in ("from", "to"):
        ends[end] = {"warehouse_id": data[f"warehouse_id_{end}"],
                     "code": data[f"mapped_string_{end}"],
                     "location_id": data[f"warehouselocation_id_{end}"]}
    return inventory.move(sku=data["sku"], source=ends["from"], target=ends["to"],
                          actor=current_actor(), scanned_at=data["scanned_at"])


def _remove(data):
    return inventory.remove(
        code=data["sku"], actor=current_actor(), warehouse_id=data["warehouse_id"],
        mapped_string=data["mapped_string"], location_id=data["warehouselocation_id"],
        siblings=data["withSiblings"], scanned_at=data["scanned_at"])


def _placement(placement):
    return 200, shape(PlacementSchema).dump(placement)


def _removal(removal):
    return 200, shape(RemovalSchema).dump(removal)


@bp.post("/locateitemscan")
@bp.post("/locateitemweb")
@doc(body=LocateSchema, shaped="located", errors=[404, 409])
def locate():
    """Place a SKU in a location: scanned (by code) or chosen on the web (by code or id)."""
    data = load(shape(LocateSchema))
    return respond("locate", data, lambda: _locate(data), profile().located)


@bp.post("/moveitemscan")
@bp.post("/moveitemweb")
@doc(body=MoveSchema, response=PlacementSchema, errors=[404, 409])
def move():
    """Move a SKU between two locations, scanned or chosen on the web."""
    data = load(shape(MoveSchema))
    return respond("move", data, lambda: _move(data), _placement)


@bp.post("/removeitemfromlocation")
@doc(body=RemoveSchema, response=RemovalSchema, errors=[404, 409])
def remove():
    """End a SKU's placement at a location (or its product's, with withSiblings or a style)."""
    data = load(shape(RemoveSchema))
    return respond("remove", data, lambda: _remove(data), _removal)


@bp.post("/undo")
@doc(body=UndoSchema, response=UndoResultSchema, errors=[404, 409])
def undo():
    """Revert one movement of the ledger, if nothing changed its placement since."""
    data = load(shape(UndoSchema))

    def render(movement):
        current = inventory.where_is(movement.variation)
        return 200, shape(UndoResultSchema).dump({"movement": movement, "current": current})

    return respond("undo", data,
                   lambda: inventory.undo(movement_id=data["movement_id"],
                                          actor=current_actor()), render)


# What a batch's scan may do: its input, its write and its answer.
BATCH_ACTIONS = {
    "locate": (shape(LocateSchema), _locate,
               lambda result: (200, {"placement": _placement(result.placement)[1]})),
    "move": (shape(MoveSchema), _move, lambda p: (200, {"placement": _placement(p)[1]})),
    "remove": (shape(RemoveSchema), _remove, lambda r: (200, {"removal": _removal(r)[1]})),
}


@bp.post("/batch")
@doc(body=BatchSchema, response=BatchResultSchema, errors=[409])
def batch():
    """Apply an offline batch of scans in order, each on its own; one result per scan."""
    scans = load(shape(BatchSchema))["scans"]
    return run_batch(scans, BATCH_ACTIONS, lambda s: idempotency.fingerprint("batch", s))
