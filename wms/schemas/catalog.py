"""JSON shapes of the catalog: products with their images, and variations."""
from marshmallow import Schema, fields

from wms.schemas.fields import LegacyDateTime


class ImageSchema(Schema):
    id = fields.Integer()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()
    file = fields.String()
    product_id = fields.Integer()
    order = fields.Integer()
    color_id = fields.Integer()


class ProductSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    images = fields.List(fields.Nested(ImageSchema))


class VariationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    sku = fields.String()
    product_id = fields.Integer()
    product = fields.Nested(ProductSchema)
