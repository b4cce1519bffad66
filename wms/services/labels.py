"""Labels of warehouse locations: which locations, what each label says, the printable file.

The drawing is `wms.labels`'; this module picks the locations (one statement, however many) and
names the file. The API route and `flask wms labels` both come here.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from wms import labels
from wms.errors import INVALID_PARAMS, ApiError
from wms.extensions import db
from wms.models import Product, WarehouseLocation
from wms.models.warehouse import SIDE_LETTERS
from wms.services.products import PRODUCT_MISSING
from wms.services.warehouses import LOCATION_MISSING, get_warehouse

MAX_LABELS = 1000   # labels one API request may render


@dataclass(frozen=True)
class Printout:
    body: bytes
    media_type: str
    filename: str
    count: int


def location_label(location):
    """A location's label: its code, its warehouse and where it is in words."""
    side = SIDE_LETTERS.get(location.side, location.side)
    return labels.Label(location.mapped_string, (
        location.warehouse.name,
        f"Rack {location.rack} · Bloque {location.block} · Nivel {location.level} · Lado {side}"))


def _too_many(field, limit):
    return ApiError(INVALID_PARAMS, 400, {field: [
        f"At most {limit} labels a request: select fewer locations (ids[] lists any)."]})


def select_locations(*, warehouse_id=None, rack=None, mapped_string=None, ids=None, limit=None):
    """The locations of `ids` (in their order, repeats printing twice), of a warehouse's `rack`
    (by block, level, side) or the one of `mapped_string`; with `warehouse_id`, only that
    warehouse's. 404 if the warehouse or any location is unknown, 400 past `limit` labels."""
    if ids is not None and limit is not None and len(ids) > limit:
        raise _too_many("ids", limit)
    stmt = sa.select(WarehouseLocation).options(joinedload(WarehouseLocation.warehouse))
    if warehouse_id is not None:
        stmt = stmt.where(WarehouseLocation.warehouse_id == warehouse_id)
    if ids is not None:
        stmt = stmt.where(WarehouseLocation.id.in_(set(ids)))
    elif mapped_string is not None:
        stmt = stmt.where(WarehouseLocation.mapped_string == mapped_string)
    else:
        stmt = stmt.where(WarehouseLocation.rack == rack).order_by(
            WarehouseLocation.block, WarehouseLocation.level, WarehouseLocation.side)
        if limit is not None:
            stmt = stmt.limit(limit + 1)
    found = db.session.scalars(stmt).all()
    if ids is not None:
        by_id = {location.id: location for location in found}
        found = [by_id[i] for i in ids if i in by_id]
        complete = len(found) == len(ids)
    else:
        complete = bool(found)
    if not complete:
        if warehouse_id is not None:
            get_warehouse(warehouse_id)
        raise ApiError(LOCATION_MISSING, 404)
    if limit is not None and len(found) > limit:
        raise _too_many("rack", limit)
    return found


def _filename(warehouse_id, rack, mapped_string, extension):
    if mapped_string is not None:
        stem = f"label-{mapped_string}"
    elif rack is not None:
        stem = f"labels-warehouse{warehouse_id}-rack{rack}"
    else:
        stem = "labels"
    return f"{stem}.{extension}"


def render(items, *, format="pdf", symbology="code128", layout="label"):
    """The bytes of `items` (wms.labels.Label) as `format`; 400 for labels that cannot be drawn
    so (a code Code 128 cannot hold, too many for one PNG)."""
    try:
        return labels.render(items, format=format, symbology=symbology, sheet=layout)
    except labels.LabelError as e:
        raise ApiError(INVALID_PARAMS, 400, {e.argument: [str(e)]})


def location_labels(*, warehouse_id=None, rack=None, mapped_string=None, ids=None,
                    format="pdf", symbology="code128", layout="label", limit=MAX_LABELS):
    """The printable labels of the selected locations (see select_locations)."""
    found = select_locations(warehouse_id=warehouse_id, rack=rack, mapped_string=mapped_string,
                             ids=ids, limit=limit)
    body = render([location_label(location) for location in found], format=format,
                  symbology=symbology, layout=layout)
    return Printout(body, labels.MEDIA_TYPES[format],
                    _filename(warehouse_id, rack, mapped_string, format), len(found))


# printsticker's papers: "portrait" an A4 sheet of labels, "landscape" the 4x2 in label roll.
STICKER_SHEETS = {"portrait": "a4", "landscape": "label"}
NO_SKUS = "El producto no tiene variaciones que etiquetar."


def product_labels(product):
    """A product's labels: one per variation, its SKU as the code, the product's name and the
    variation's (its size) and style code below."""
    if not product.variations:
        raise ApiError(NO_SKUS, 404)
    return [labels.Label(variation.sku, (
        product.name, " · ".join(part for part in (variation.name, product.internal_reference)
                                 if part))) for variation in product.variations]


def sticker(*, product_id=None, warehouselocation_id=None, format="portrait"):
    """The 2019 web UI's sticker PDF: a product's labels, or one location's."""
    if product_id is None and warehouselocation_id is None:
        raise ApiError(INVALID_PARAMS, 400, {"product_id": [
            "Send product_id or warehouselocation_id."]})
    if product_id is not None:
        product = db.session.scalar(sa.select(Product).where(Product.id == product_id).options(
            selectinload(Product.variations)))
        if product is None:
            raise ApiError(PRODUCT_MISSING, 404)
        items, filename = product_labels(product), f"product {product.id}.pdf"
    else:
        [location] = select_locations(ids=[warehouselocation_id])
        items, filename = [location_label(location)], f"label-{location.mapped_string}.pdf"
    body = render(items, format="pdf", layout=STICKER_SHEETS[format])
    return Printout(body, labels.MEDIA_TYPES["pdf"], filename, len(items))
