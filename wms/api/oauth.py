"""/oauth: Passport's token endpoint, token revocation (RFC 7009) and introspection (RFC 7662).

Each is rate-limited per client address (OAUTH_TOKEN_RATE_LIMIT): each authenticates a client.
"""
from flask import Blueprint

from wms.errors import ApiError
from wms.oauth.errors import PassportInvalidRequest
from wms.oauth.server import authorization
from wms.params import request_params
from wms.ratelimit import rate_limit
from wms.openapi import doc
from wms.schemas.oauth import (IntrospectionSchema, TokenHintSchema, TokenRequestSchema,
                               TokenResponseSchema)

bp = Blueprint("oauth", __name__)


@bp.post("/token")
@rate_limit("OAUTH_TOKEN_RATE_LIMIT")
@doc(body=TokenRequestSchema, response=TokenResponseSchema, errors=[401, 429], error_family="oauth")
def token():
    """Issue tokens (client credentials, password, refresh token)."""
    return _unreadable_body() or authorization.create_token_response()


@bp.post("/revoke")
@rate_limit("OAUTH_TOKEN_RATE_LIMIT")
@doc(body=TokenHintSchema, errors=[401, 429], error_family="oauth")
def revoke():
    """Revoke one of the calling client's tokens (RFC 7009): 200, empty, found or not."""
    return _unreadable_body() or authorization.create_endpoint_response("revocation")


@bp.post("/introspect")
@rate_limit("OAUTH_TOKEN_RATE_LIMIT")
@doc(body=TokenHintSchema, response=IntrospectionSchema, errors=[401, 429], error_family="oauth")
def introspect():
    """Describe one of the calling client's tokens (RFC 7662), or `{"active": false}`."""
    return _unreadable_body() or authorization.create_endpoint_response("introspection")


def _unreadable_body():
    """Passport's error JSON for a body that is not JSON (its clients read no other), or None."""
    try:
        request_params()
    except ApiError:
        return authorization.handle_error_response(None, PassportInvalidRequest("body"))
    return None
