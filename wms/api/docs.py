"""GET /openapi.json: the OpenAPI 3.1 document of every route (wms/openapi.py)."""
from flask import Blueprint, current_app

from wms.openapi import doc, document

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
@doc(security=[])
def show():
    """This server's OpenAPI 3.1 document."""
    return document(current_app._get_current_object())
