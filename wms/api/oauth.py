"""/oauth: Passport's token endpoint."""
from flask import Blueprint

from wms.errors import ApiError
from wms.oauth.errors import PassportInvalidRequest
from wms.oauth.server import authorization
from wms.params import request_params

bp = Blueprint("oauth", __name__)


@bp.post("/token")
def token():
    """Issue an access token (client credentials)."""
    try:
        request_params()
    except ApiError:
        # Passport's clients read its error JSON, for a body that is not JSON too.
        return authorization.handle_error_response(None, PassportInvalidRequest("body"))
    return authorization.create_token_response()
