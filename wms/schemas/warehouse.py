"""JSON shapes of stores, warehouses and locations, and the inputs of their routes."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from wms.schemas.fields import (CODE_MAX, Flag, FlagOrAll, LegacyDateTime, LocationCode,
                                PositiveInt, Text)


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


class LocationStatusSchema(LocationSchema):
    """A location and whether it is in service: `active` is 0 or 1, a JSON number (the web UI
    indexes `[false, true]` with it and compares it with `=== 0`)."""

    active = fields.Integer()


class LocationRowSchema(LocationStatusSchema):
    """A row of warehouselocations/getall."""

    warehouse = fields.Nested(WarehouseWithStoreSchema)


class LocationBriefSchema(Schema):
    id = fields.Integer()
    mapped_string = fields.String()
    warehouse_id = fields.Integer()


class BlockSchema(LocationStatusSchema):
    """A row of getblocks: a location of the rack and how many placements it holds."""

    items_count = fields.Integer()

    class Meta:
        fields = ("id", "rack", "block", "level", "side", "mapped_string", "active",
                  "items_count")


class OccupancySchema(BlockSchema):
    """A row of warehouselocations/occupancy: a location, its placements and when the ledger
    last touched it (null: never)."""

    last_movement_at = LegacyDateTime()

    class Meta:
        fields = ("id", "mapped_string", "rack", "block", "level", "side", "active",
                  "items_count", "last_movement_at")


class MapResultSchema(Schema):
    """maplocations' answer: the web UI takes a truthy `message` for success."""

    message = fields.Constant("Recurso creado.")
    rack = fields.String()
    locations_count = fields.Integer()


class RackSchema(Schema):
    rack = fields.String()


class InputSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class FilterSchema(InputSchema):
    """The query of a list. The web UI sends every box of its forms, empty ones too (`&q=`): a
    blank value counts as not given."""

    @pre_load
    def drop_blanks(self, data, **kwargs):
        return {key: value for key, value in data.items()
                if not (isinstance(value, str) and not value.strip())}


class WarehouseFilterSchema(InputSchema):
    store_id = PositiveInt(load_default=None)


class NewWarehouseSchema(InputSchema):
    name = Text(required=True)
    store_id = PositiveInt(required=True)


class WarehouseIdSchema(InputSchema):
    warehouse_id = PositiveInt(required=True)


# The columns warehouselocations/getall sorts by (never sent to SQL as text).
LOCATION_SORTS = ("id", "warehouse_id", "rack", "block", "level", "side", "mapped_string",
                  "active", "created_at", "updated_at")


class SortOrder(fields.String):
    """`asc` or `desc`, in any case."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).lower()
        if value not in ("asc", "desc"):
            raise ValidationError("Must be asc or desc.")
        return value


class LocationListSchema(FilterSchema):
    warehouse_id = PositiveInt(required=True)
    q = LocationCode(load_default=None)
    column = fields.String(load_default="id", validate=validate.OneOf(LOCATION_SORTS))
    order = SortOrder(load_default="asc")
    rack = PositiveInt(load_default=None)
    active = FlagOrAll(load_default=None)


class OccupancyQuerySchema(FilterSchema):
    warehouse_id = PositiveInt(required=True)
    rack = PositiveInt(load_default=None)
    active = FlagOrAll(load_default=None)
    empty = Flag(load_default=None)


class LocationActiveSchema(InputSchema):
    id = PositiveInt(required=True)
    chk = Flag(required=True)


class RackQuerySchema(WarehouseIdSchema):
    rack = PositiveInt(required=True)


class LocationQuerySchema(WarehouseIdSchema):
    mapped_string = LocationCode(CODE_MAX, required=True)


class MapRackSchema(WarehouseIdSchema):
    blocks = PositiveInt(required=True, maximum=50)
    levels = PositiveInt(required=True, maximum=50)
    sides = PositiveInt(required=True, maximum=2)
