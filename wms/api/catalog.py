"""/api/v1/stores and /api/v1/categories: the lists the 2019 web UI fills its pickers with."""
import re

from flask import Blueprint

from wms.errors import INVALID_PARAMS, ApiError
from wms.oauth.guard import require_token
from wms.params import load
from wms.schemas.clients import CategorySchema, StoreListSchema
from wms.schemas.warehouse import StoreSchema
from wms.services import products, warehouses
from wms.schemas import shape
from wms.openapi import Many, doc

stores = Blueprint("stores", __name__)
stores.before_request(require_token)
categories = Blueprint("categories", __name__)
categories.before_request(require_token)

_PARENT = re.compile(r"-?[0-9]{1,10}")


@stores.get("/getallstores")
@doc(query=StoreListSchema, response=Many(StoreSchema))
def index():
    """Every store (a plain array), sorted by `column` and `order`."""
    args = load(shape(StoreListSchema))
    return shape(StoreSchema, many=True).dump(warehouses.all_stores(**args))


@categories.get("/parent")
@doc(response=Many(CategorySchema))
def departments():
    """The active departments (top-level categories), a plain array."""
    return shape(CategorySchema, many=True).dump(products.categories())


@categories.get("/child/<parent>")
@doc(response=Many(CategorySchema), errors=[400])
def subcategories(parent):
    """The active subcategories of a department (-1, the UI's "all departments": none)."""
    if not _PARENT.fullmatch(parent):
        raise ApiError(INVALID_PARAMS, 400, {"id": ["Must be a category id."]})
    return shape(CategorySchema, many=True).dump(products.categories(int(parent)))
