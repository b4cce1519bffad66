"""JSON shape of locationvariation/getsummary: the web UI dashboard's counts."""
from marshmallow import Schema, fields

from wms.schemas.warehouse import FilterSchema
from wms.schemas.fields import PositiveInt


class WarehouseSummarySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    racks = fields.Integer()
    locations = fields.Integer()
    active_locations = fields.Integer()
    occupied_locations = fields.Integer()
    placements = fields.Integer()
    skus = fields.Integer()


class SummarySchema(Schema):
    productsLocatedCount = fields.Integer()
    warehousesCount = fields.Integer()
    storesCount = fields.Integer()
    warehouseLocationsCount = fields.Integer()
    warehouse = fields.Nested(WarehouseSummarySchema)


class SummaryQuerySchema(FilterSchema):
    warehouse_id = PositiveInt(load_default=None)
