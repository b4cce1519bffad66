"""The shapes the stores' 2019 web UI and scanner app read (spec/06): product-centric rows,
racks and blocks with numbers where the clients compare numbers, and the inputs of their
searches. Served for the routes only the clients document, and, with CLIENT_SHAPES=clients-2019,
for the six routes where they and spec/01 disagree (wms/api/profiles.py)."""
from marshmallow import Schema, ValidationError, fields, validate

from wms.schemas.fields import (CODE_MAX, MAX_ID, SKU_MAX, Code, Flag, FlagOrAll,
                                LegacyDateTime, PositiveInt, Text)
from wms.schemas.warehouse import FilterSchema, InputSchema, SortOrder, WarehouseIdSchema
from wms.schemas import shape

PRICE_PLACES = 2


class OptionalId(fields.Field):
    """A category id from a form whose "all" is 0 or -1: None for those, else a positive id."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("Must be an id, or 0 or -1 for all.")
        text = str(value).strip() if isinstance(value, (int, str)) else None
        if text in ("0", "-1"):
            return None
        if text is None or not text.isascii() or not text.isdigit() or len(text) > 10 \
                or not 0 < int(text) <= MAX_ID:
            raise ValidationError("Must be an id, or 0 or -1 for all.")
        return int(text)


class ProductSearchSchema(FilterSchema):
    """The search boxes of the map (getracks, getblocks: `product`, `sku` contained,
    `category`, `subcategory`) and of the inventory (getall: `name`, `sku` exact or a style,
    `department`, `subcategory`); `active` -1 means all. Blank boxes are no condition."""

    name = Text(load_default=None)
    product = Text(load_default=None)
    sku = Code(SKU_MAX, load_default=None)
    active = FlagOrAll(load_default=None)
    category = OptionalId(load_default=None)
    department = OptionalId(load_default=None)
    subcategory = OptionalId(load_default=None)


def product_filter_args(args, exact_sku=False):
    """The keyword arguments of services.products.ProductFilter from a ProductSearchSchema
    load."""
    return {"name": args.get("name") or args.get("product"), "sku": args.get("sku"),
            "sku_exact": exact_sku, "active": args.get("active"),
            "category": args.get("category") or args.get("department"),
            "subcategory": args.get("subcategory")}


class RackSearchSchema(ProductSearchSchema, WarehouseIdSchema):
    pass


class BlockSearchSchema(RackSearchSchema):
    rack = PositiveInt(required=True)


class InventorySearchSchema(ProductSearchSchema):
    warehouse_id = PositiveInt(load_default=None)
    notLocated = Flag(load_default=False)


class LatestQuerySchema(FilterSchema, WarehouseIdSchema):
    """getlatest: the dashboard's table sends column/order (its default `warehouse_id` is the
    natural order, the latest first) and a search box."""

    q = Text(load_default=None)
    column = fields.String(load_default=None, validate=validate.OneOf(
        ["warehouse_id", "updated_at", "created_at"]))
    order = SortOrder(load_default="desc")


class StoreListSchema(FilterSchema):
    column = fields.String(load_default="id", validate=validate.OneOf(
        ["id", "name", "number", "created_at", "updated_at"]))
    order = SortOrder(load_default="asc")


class WarehouseUpdateSchema(InputSchema):
    warehouse_id = PositiveInt(required=True)
    name = Text(required=True)
    store_id = PositiveInt(required=True)


class StickerQuerySchema(InputSchema):
    """printsticker: a product's labels (one per variation) or a location's."""

    product_id = PositiveInt(load_default=None, error_messages={
        "invalid": "product_id debe tener un valor numérico"})
    warehouselocation_id = PositiveInt(load_default=None)
    format = fields.String(load_default="portrait",
                           validate=validate.OneOf(["portrait", "landscape"]))


class ScannedCodeSchema(InputSchema):
    sku = Code(max(SKU_MAX, CODE_MAX), required=True)


# --- Answers ---------------------------------------------------------------------------------

class RackTotalSchema(Schema):
    """A rack of getracks: its number (`rack` is a string, as the legacy racks table named it)
    and how many products of the search it holds."""

    id = fields.Function(lambda row: row["rack"])
    rack = fields.String()
    total_items = fields.Integer()


class BlockNumbersSchema(Schema):
    """A block of getblocks, every number a JSON number (the web UI compares `level` and
    `active` with ===)."""

    id = fields.Integer()
    rack = fields.Integer()
    block = fields.Integer()
    level = fields.Integer()
    side = fields.Integer()
    mapped_string = fields.String()
    active = fields.Integer()
    items_count = fields.Integer()


class PlaceSchema(Schema):
    id = fields.Integer()
    mapped_string = fields.String()


class VariationPlacementSchema(Schema):
    id = fields.Integer()
    variation_id = fields.Integer()
    warehouselocation_id = fields.Integer()
    updated_at = LegacyDateTime()
    warehouselocation = fields.Nested(PlaceSchema)


class ProductPlacementSchema(Schema):
    """One (location, product): the product's placement with the lowest id there."""

    id = fields.Function(lambda entry: entry[0].id)
    warehouselocation_id = fields.Function(lambda entry: entry[0].warehouselocation_id)
    product_id = fields.Function(lambda entry: entry[1])
    warehouselocation = fields.Function(
        lambda entry: shape(PlaceSchema).dump(entry[0].warehouselocation))


class ColorSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ImageBriefSchema(Schema):
    id = fields.Integer()
    file = fields.String()
    product_id = fields.Integer()


class InventoryVariationSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    name = fields.String()
    sku = fields.String()
    stock = fields.Integer(allow_none=True)
    price = fields.Decimal(places=PRICE_PLACES, as_string=True, allow_none=True)
    color_id = fields.Integer(allow_none=True)
    color = fields.Nested(ColorSchema, allow_none=True)
    locations = fields.List(fields.Nested(VariationPlacementSchema), attribute="placements")


def _locations(product):
    """One entry per location among the loaded variations' placements: the placement with the
    lowest id there."""
    first = {}
    for variation in product.variations:
        for placement in variation.placements:
            kept = first.get(placement.warehouselocation_id)
            if kept is None or placement.id < kept.id:
                first[placement.warehouselocation_id] = placement
    ordered = sorted(first.values(), key=lambda placement: placement.id)
    entries = [(placement, product.id) for placement in ordered]
    return shape(ProductPlacementSchema, many=True).dump(entries)


class InventoryProductSchema(Schema):
    """A product of locationvariation/getall and getitemsinlocation (clients-2019): at most one
    image, its variations (those located, or here) with colour and locations, and one entry
    per location it is in."""

    id = fields.Integer()
    name = fields.String()
    internal_reference = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    colors_es = fields.String(allow_none=True)
    family = fields.String(allow_none=True)
    parent_name = fields.String(allow_none=True)
    images = fields.Function(lambda p: shape(ImageBriefSchema, many=True).dump(p.images[:1]))
    variations = fields.List(fields.Nested(InventoryVariationSchema))
    locations = fields.Function(_locations)


def _latest_first(placements):
    return sorted(placements, key=lambda p: (p.updated_at, p.id), reverse=True)


class LatestVariationSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    name = fields.String()
    sku = fields.String()
    locations = fields.Function(lambda v: shape(VariationPlacementSchema, many=True).dump(
        _latest_first(v.placements)))


class LatestProductSchema(Schema):
    """A row of getlatest: the dashboard reads variations[0].locations[0].updated_at, so the
    variation placed last comes first, and its latest placement first."""

    id = fields.Integer()
    updated_at = LegacyDateTime()
    name = fields.String()
    internal_reference = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    colors_es = fields.String(allow_none=True)
    images = fields.Function(lambda p: shape(ImageBriefSchema, many=True).dump(p.images[:1]))
    variations = fields.Function(lambda p: shape(LatestVariationSchema, many=True).dump(sorted(
        p.variations, key=lambda v: max((pl.updated_at, pl.id) for pl in v.placements),
        reverse=True)))
    locations = fields.Function(_locations)


class StockVariationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    sku = fields.String()
    stock = fields.Integer(allow_none=True)
    product_id = fields.Integer()


class ScannedProductSchema(Schema):
    """getlocationsofproduct: the scanner app's product screen."""

    id = fields.Integer()
    name = fields.String()
    provider = fields.String(allow_none=True)
    internal_reference = fields.String(allow_none=True)
    family = fields.String(allow_none=True)
    parent_name = fields.String(allow_none=True)
    colors_es = fields.String(allow_none=True)
    locations = fields.Function(_locations)
    variations = fields.List(fields.Nested(StockVariationSchema))
    firstimg = fields.Function(lambda p: shape(ImageBriefSchema, many=True).dump(p.images[:1]))


class LocatedVariationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    sku = fields.String()
    product_id = fields.Integer()


class LocatedProductSchema(Schema):
    """locateitemscan's answer to the app (clients-2019): the product and what was placed."""

    id = fields.Function(lambda r: r.product.id)
    name = fields.Function(lambda r: r.product.name)
    internal_reference = fields.Function(lambda r: r.product.internal_reference)
    variations = fields.Function(
        lambda r: shape(LocatedVariationSchema, many=True).dump(r.variations))


class LocationKeysSchema(Schema):
    """What getitemsinlocation's page says of its location (clients-2019), beside the page."""

    warehouselocation_id = fields.Integer(attribute="id")
    rack = fields.Integer()
    block = fields.Integer()
    level = fields.Integer()
    side = fields.Integer()
    mapped_string = fields.String()


class CategorySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    depends_id = fields.Integer()
    active = fields.Integer()
    created_at = LegacyDateTime()
    updated_at = LegacyDateTime()


class ResponderErrorSchema(Schema):
    """The legacy `responder()` error body the web UI's map form reads (`error.message`, and no
    top-level `message`)."""

    status = fields.Integer()
    success = fields.Function(lambda e: False)
    error = fields.Function(lambda e: {"code": e["code"], "message": e["message"],
                                       **({"errors": e["errors"]} if e.get("errors") else {})})
