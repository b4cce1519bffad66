"""JSON shapes of placements, and the inputs of locate and move."""
from marshmallow import Schema, ValidationError, fields, validates_schema

from wms.schemas.catalog import VariationSchema
from wms.schemas.fields import (CODE_MAX, SKU_MAX, Code, LegacyDateTime, LocationCode,
                                PositiveInt)
from wms.schemas.warehouse import InputSchema, LocationBriefSchema, LocationWithWarehouseSchema


class PlacementSchema(Schema):
    id = fields.Integer()
    warehouselocation_id = fields.Integer()
    variation_id = fields.Integer()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()


class PlacementDetailSchema(PlacementSchema):
    """A row of locationvariation/getall."""

    variation = fields.Nested(VariationSchema)
    warehouselocation = fields.Nested(LocationWithWarehouseSchema)


class PlacementInLocationSchema(PlacementSchema):
    """A row of locationvariation/getitemsinlocation."""

    variation = fields.Nested(VariationSchema)
    warehouselocation = fields.Nested(LocationBriefSchema)


class PlacementFilterSchema(InputSchema):
    warehouse_id = PositiveInt(load_default=None)
    sku = Code(SKU_MAX, load_default=None)


def _location_given(data, suffix=""):
    code, location_id = f"mapped_string{suffix}", f"warehouselocation_id{suffix}"
    if data.get(code) is None and data.get(location_id) is None:
        raise ValidationError("Missing data for required field.", code)


class LocateSchema(InputSchema):
    """The scanner sends the location's code; the web form may send its id instead."""

    warehouse_id = PositiveInt(required=True)
    sku = Code(SKU_MAX, required=True)
    mapped_string = LocationCode(CODE_MAX, load_default=None)
    warehouselocation_id = PositiveInt(load_default=None)

    @validates_schema
    def location_given(self, data, **kwargs):
        _location_given(data)


class MoveSchema(InputSchema):
    warehouse_id_from = PositiveInt(required=True)
    warehouse_id_to = PositiveInt(required=True)
    sku = Code(SKU_MAX, required=True)
    mapped_string_from = LocationCode(CODE_MAX, load_default=None)
    mapped_string_to = LocationCode(CODE_MAX, load_default=None)
    warehouselocation_id_from = PositiveInt(load_default=None)
    warehouselocation_id_to = PositiveInt(load_default=None)

    @validates_schema
    def locations_given(self, data, **kwargs):
        errors = {}
        for suffix in ("_from", "_to"):
            try:
                _location_given(data, suffix)
            except ValidationError as e:
                errors.update(e.normalized_messages())
        if errors:
            raise ValidationError(errors)
