"""/api/v1/locationvariation/getsummary: the web UI dashboard's counts."""
from flask import Blueprint

from wms.oauth.guard import require_token
from wms.params import load
from wms.schemas.summary import SummaryQuerySchema, SummarySchema
from wms.services import summary as summaries
from wms.schemas import shape
from wms.openapi import doc

bp = Blueprint("summary", __name__)
bp.before_request(require_token)


@bp.get("/getsummary")
@doc(query=SummaryQuerySchema, response=SummarySchema, errors=[404])
def show():
    """Counts of the whole database and, with `warehouse_id`, of that warehouse."""
    args = load(shape(SummaryQuerySchema))
    return shape(SummarySchema).dump(summaries.summary(args["warehouse_id"]))
