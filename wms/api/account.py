"""/oauth routes for a signed-in user: the scopes a token may ask for."""
from flask import Blueprint

from wms.oauth.guard import require_user
from wms.oauth.scopes import SCOPES
from wms.openapi import Many, doc
from wms.schemas.oauth import ScopeSchema

bp = Blueprint("account", __name__)
bp.before_request(require_user)


@bp.get("/scopes")
@doc(response=Many(ScopeSchema))
def scopes():
    """Every scope a token may carry, as Passport lists them."""
    return [{"id": name, "description": description} for name, description in SCOPES.items()]
