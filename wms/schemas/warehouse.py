"""JSON shapes of stores, warehouses and locations, and the inputs of their routes."""
from marshmallow import EXCLUDE, Schema, fields

from wms.schemas.fields import CODE_MAX, LegacyDateTime, LocationCode, PositiveInt, Text


class StoreSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    number = fields.String()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()


class WarehouseSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    store_id = fields.Integer()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()


class WarehouseWithStoreSchema(WarehouseSchema):
    store = fields.Nested(StoreSchema)


class LocationSchema(Schema):
    """A location; the spec prints rack, block, level and side as strings."""

    id = fields.Integer()
    warehouse_id = fields.Integer()
    rack = fields.String()
    block = fields.String()
    level = fields.String()
    side = fields.String()
    mapped_string = fields.String()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()


class LocationWithWarehouseSchema(LocationSchema):
    warehouse = fields.Nested(WarehouseWithStoreSchema)


class LocationBriefSchema(Schema):
    id = fields.Integer()
    mapped_string = fields.String()
    warehouse_id = fields.Integer()


class BlockSchema(LocationSchema):
    """A row of getblocks: a location of the rack and how many placements it holds."""

    items_count = fields.Integer()

    class Meta:
        fields = ("id", "rack", "block", "level", "side", "mapped_string", "items_count")


class RackSchema(Schema):
    rack = fields.String()


class InputSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class WarehouseFilterSchema(InputSchema):
    store_id = PositiveInt(load_default=None)


class NewWarehouseSchema(InputSchema):
    name = Text(required=True)
    store_id = PositiveInt(required=True)


class WarehouseIdSchema(InputSchema):
    warehouse_id = PositiveInt(required=True)


class RackQuerySchema(WarehouseIdSchema):
    rack = PositiveInt(required=True)


class LocationQuerySchema(WarehouseIdSchema):
    mapped_string = LocationCode(CODE_MAX, required=True)


class MapRackSchema(WarehouseIdSchema):
    blocks = PositiveInt(required=True, maximum=50)
    levels = PositiveInt(required=True, maximum=50)
    sides = PositiveInt(required=True, maximum=2)
