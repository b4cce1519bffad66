"""The two response profiles (DESIGN 10), chosen in this one place by CLIENT_SHAPES at start:
`spec` (spec/01's shapes, the default) or `clients-2019` (the shapes the stores' 2019 web UI and
scanner app read, spec/06 section 6.0). On the six routes where they disagree the views ask the
profile; both answer from the same services and queries, and differ in their schemas."""
from contextlib import contextmanager

from flask import current_app

from wms.errors import ApiError
from wms.pagination import paginate
from wms.openapi import Many
from wms.schemas.clients import (BlockNumbersSchema, InventoryProductSchema, LocatedProductSchema,
                                 LocationKeysSchema, RackTotalSchema, ResponderErrorSchema)
from wms.schemas.envelopes import MessageSchema, laravel_page
from wms.schemas.inventory import (PlacementDetailSchema, PlacementInLocationSchema,
                                   PlacementSchema)
from wms.schemas.warehouse import BlockSchema, MapResultSchema, RackSchema
from wms.services import inventory, products, warehouses
from wms.schemas import shape

SHAPES = ("spec", "clients-2019")
ALREADY_HERE = "El producto ya se encuentra ubicado aqui"
# The legacy responder's error codes, by status.
RESPONDER_CODES = {400: "field_validation_error", 404: "not_found", 409: "conflict"}


class SpecProfile:
    """spec/01: paginated racks, string numbers, placement-centric lists, the placement."""

    name = "spec"
    # The answers of the routes that ask the profile, by status (wms/openapi.py).
    documents = {
        "racks": {200: laravel_page(RackSchema)},
        "blocks": {200: Many(BlockSchema)},
        "inventory": {200: laravel_page(PlacementDetailSchema)},
        "items_in_location": {200: laravel_page(PlacementInLocationSchema)},
        "located": {200: PlacementSchema},
        "map": {201: MapResultSchema},
    }

    def racks(self, warehouse_id, product_filter):
        rows, count, params = warehouses.racks_query(warehouse_id)
        return paginate(rows, count, lambda racks: shape(RackSchema, many=True).dump(
            {"rack": rack} for rack in racks), params=params)

    def blocks(self, rows):
        return shape(BlockSchema, many=True).dump(rows)

    def inventory(self, product_filter, warehouse_id, not_located):
        rows, count, params = inventory.placements_query(warehouse_id=warehouse_id,
                                                         sku=product_filter.sku)
        return paginate(rows, count, shape(PlacementDetailSchema, many=True).dump,
                        params=params)

    def items_in_location(self, location):
        rows, count, params = inventory.location_items_query(location.id)
        return paginate(rows, count, shape(PlacementInLocationSchema, many=True).dump,
                        params=params)

    def located(self, result):
        return 200, shape(PlacementSchema).dump(result.placement)

    @contextmanager
    def map_errors(self):
        yield


class Clients2019Profile(SpecProfile):
    """spec/06: racks and blocks as plain arrays of numbers, product-centric paginators, the
    located products (302 when one SKU is already there), the map form's error body."""

    name = "clients-2019"
    documents = {
        "racks": {200: Many(RackTotalSchema)},
        "blocks": {200: Many(BlockNumbersSchema)},
        "inventory": {200: laravel_page(InventoryProductSchema)},
        "items_in_location": {200: laravel_page(InventoryProductSchema, LocationKeysSchema)},
        "located": {200: Many(LocatedProductSchema), 302: MessageSchema},
        "map": {201: MapResultSchema},
    }

    def racks(self, warehouse_id, product_filter):
        return shape(RackTotalSchema, many=True).dump(
            {"rack": rack, "total_items": total}
            for rack, total in products.rack_totals(warehouse_id, product_filter))

    def blocks(self, rows):
        return shape(BlockNumbersSchema, many=True).dump(rows)

    def inventory(self, product_filter, warehouse_id, not_located):
        rows, count = products.products_query(product_filter, not_located, warehouse_id)
        return paginate(rows, count, shape(InventoryProductSchema, many=True).dump, per_page=20)

    def items_in_location(self, location):
        rows, count = products.location_products_query(location.id)
        page = paginate(rows, count, shape(InventoryProductSchema, many=True).dump, per_page=20)
        return {**page, **shape(LocationKeysSchema).dump(location)}

    def located(self, result):
        if result.already:
            # The app asks whether to place the product's other sizes too, on a 302.
            return 302, {"message": ALREADY_HERE}
        return 200, [shape(LocatedProductSchema).dump(result)]

    @contextmanager
    def map_errors(self):
        """The web UI's map form shows `error.message`, and takes any top-level `message` for
        success: its errors come without one."""
        try:
            yield
        except ApiError as e:
            body = shape(ResponderErrorSchema).dump({
                "status": e.status_code, "message": e.message, "errors": e.errors,
                "code": RESPONDER_CODES.get(e.status_code, "error")})
            raise ApiError(e.message, e.status_code, body=body) from e


PROFILES = {profile.name: profile for profile in (SpecProfile(), Clients2019Profile())}


def init_profile(app):
    """Check CLIENT_SHAPES once, at start."""
    name = app.config["CLIENT_SHAPES"]
    if name not in PROFILES:
        raise RuntimeError(f"CLIENT_SHAPES must be one of {', '.join(SHAPES)}, not {name!r}")
    app.extensions["wms_profile"] = PROFILES[name]


def profile():
    """The profile this server speaks."""
    return current_app.extensions["wms_profile"]


def profile_name(app):
    """The name of the profile `app` speaks."""
    return app.extensions["wms_profile"].name
