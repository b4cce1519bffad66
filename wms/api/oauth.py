"""/oauth: Passport's token endpoint."""
from flask import Blueprint

from wms.oauth.server import authorization

bp = Blueprint("oauth", __name__)


@bp.post("/token")
def token():
    """Issue an access token (client credentials)."""
    return authorization.create_token_response()
