"""JSON shapes of placements, the ledger and removals; the inputs of the scanner's writes."""
from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wms.models.base import utcnow
from wms.models.inventory import MOVEMENT_KINDS
from wms.schemas.catalog import VariationSchema
from wms.schemas.fields import (CODE_MAX, SKU_MAX, Code, Flag, LegacyDateTime, LocationCode,
                                PositiveInt, UtcDateTime)
from wms.schemas.warehouse import InputSchema, LocationBriefSchema, LocationWithWarehouseSchema
from wms.schemas import shape

# A handheld's clock may run a little fast; a scan from further ahead is a wrong date.
SCAN_CLOCK_SKEW = timedelta(days=1)
MAX_SKUS = 100
MAX_SCANS = 500


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


class ScanTime(UtcDateTime):
    """When the scanner says a scan happened: not in the future (beyond a clock's skew)."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment > utcnow() + SCAN_CLOCK_SKEW:
            raise ValidationError("Must not be in the future.")
        return moment


class ScanSchema(InputSchema):
    scanned_at = ScanTime(load_default=None)


class LocateSchema(ScanSchema):
    """The scanner sends the location's code; the web form may send its id instead."""

    warehouse_id = PositiveInt(required=True)
    sku = Code(SKU_MAX, required=True)
    mapped_string = LocationCode(CODE_MAX, load_default=None)
    warehouselocation_id = PositiveInt(load_default=None)
    withSiblings = Flag(load_default=False)

    @validates_schema
    def location_given(self, data, **kwargs):
        _location_given(data)


class MoveSchema(ScanSchema):
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


class RemoveSchema(ScanSchema):
    """The scanner app sends the location's id (`warehouselocation_id`, with its warehouse);
    others may name it by warehouse and code. `sku` may be a style (a product's
    internal_reference): every variation of the product there goes, as with `withSiblings`."""

    sku = Code(SKU_MAX, required=True)
    warehouse_id = PositiveInt(load_default=None)
    mapped_string = LocationCode(CODE_MAX, load_default=None)
    warehouselocation_id = PositiveInt(load_default=None)
    withSiblings = Flag(load_default=False)

    @validates_schema
    def location_given(self, data, **kwargs):
        if data.get("warehouselocation_id") is None and (
                data.get("warehouse_id") is None or data.get("mapped_string") is None):
            raise ValidationError("Send warehouselocation_id, or warehouse_id and "
                                  "mapped_string.", "warehouselocation_id")


class UndoSchema(InputSchema):
    movement_id = PositiveInt(required=True)


class SkuListSchema(InputSchema):
    """`sku` for one, `skus[]` for several (at most MAX_SKUS)."""

    sku = Code(SKU_MAX, load_default=None)
    skus = fields.List(Code(SKU_MAX), load_default=None,
                       validate=validate.Length(min=1, max=MAX_SKUS))

    @validates_schema
    def one_given(self, data, **kwargs):
        if data.get("sku") is None and not data.get("skus"):
            raise ValidationError("Missing data for required field.", "sku")


class HistoryFilterSchema(InputSchema):
    sku = Code(SKU_MAX, load_default=None)
    warehouse_id = PositiveInt(load_default=None)
    mapped_string = LocationCode(CODE_MAX, load_default=None)
    user_id = PositiveInt(load_default=None)
    client_id = PositiveInt(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(MOVEMENT_KINDS))
    since = UtcDateTime(load_default=None)
    until = UtcDateTime(load_default=None)


class BatchSchema(InputSchema):
    """The envelope of an offline batch; each scan is checked on its own (a bad scan is
    rejected, the others applied)."""

    scans = fields.List(fields.Raw(), required=True,
                        validate=validate.Length(min=1, max=MAX_SCANS))


class PlaceRefSchema(Schema):
    id = fields.Integer()
    mapped_string = fields.String()
    warehouse_id = fields.Integer()


class NamedSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class MovementSchema(Schema):
    """A row of the ledger (locationvariation/history)."""

    id = fields.Integer()
    kind = fields.String()
    sku = fields.Function(lambda m: m.variation.sku)
    variation_id = fields.Integer()
    from_ = fields.Nested(PlaceRefSchema, attribute="from_location", data_key="from",
                          allow_none=True)
    to = fields.Nested(PlaceRefSchema, attribute="to_location", allow_none=True)
    user = fields.Nested(NamedSchema, allow_none=True)
    client = fields.Nested(NamedSchema, allow_none=True)
    created_at = LegacyDateTime()
    scanned_at = LegacyDateTime(allow_none=True)
    undo_of = fields.Integer(allow_none=True)
    undone_by = fields.Function(lambda m: m.undone_by.id if m.undone_by else None)


class WhereSchema(Schema):
    """A location a SKU sits in."""

    placement_id = fields.Integer()
    warehouselocation_id = fields.Integer()
    mapped_string = fields.String()
    active = fields.Function(lambda place: int(place["active"]))
    warehouse = fields.Nested(NamedSchema)
    updated_at = LegacyDateTime()


class ItemLocationsSchema(Schema):
    """A SKU and every location it sits in (locationvariation/getlocationsofitem)."""

    sku = fields.Function(lambda item: item["variation"].sku)
    variation_id = fields.Function(lambda item: item["variation"].id)
    name = fields.Function(lambda item: item["variation"].name)
    product = fields.Function(lambda item: {
        "id": item["variation"].product.id, "name": item["variation"].product.name,
        "internal_reference": item["variation"].product.internal_reference})
    locations = fields.List(fields.Nested(WhereSchema))


class CurrentStateSchema(Schema):
    """Where a SKU sits now: the `current` of a conflict."""

    sku = fields.String()
    variation_id = fields.Integer()
    locations = fields.List(fields.Nested(WhereSchema))


class UndoResultSchema(Schema):
    """locationvariation/undo: the movement that reverted the other, and where the SKU is now."""

    movement = fields.Nested(MovementSchema, required=True)
    current = fields.Nested(CurrentStateSchema, required=True)


class BatchResultSchema(Schema):
    """locationvariation/batch: one result per scan, in order (`status` applied, replayed,
    rejected or conflict; the placement or removal, or the error)."""

    results = fields.List(fields.Dict(), required=True)


class RemovalSchema(Schema):
    """The 2019 scanner app's answer (it reads message.product_id and message.deletedSize for
    one SKU; "Ok." for a style or a product's siblings), plus the placements that ended."""

    message = fields.Function(lambda r: {"product_id": r.product_id,
                                         "deletedSize": r.variation.name}
                              if r.variation is not None else "Ok.")
    removed = fields.List(fields.Nested(PlacementSchema), attribute="placements")


def error_body(error):
    """The JSON of an ApiError; a conflict's `current` state in its shape."""
    body = error.to_dict()
    if body.get("current") is not None:
        body["current"] = shape(CurrentStateSchema).dump(body["current"])
    return body
