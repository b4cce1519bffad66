"""/oauth routes for a signed-in user: the scopes a token may ask for."""
from flask import Blueprint

from wms.oauth.guard import require_user
from wms.oauth.scopes import SCOPES

bp = Blueprint("account", __name__)
bp.before_request(require_user)


@bp.get("/scopes")
def scopes():
    """Every scope a token may carry, as Passport lists them."""
    return [{"id": name, "description": description} for name, description in SCOPES.items()]
