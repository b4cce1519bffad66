"""/.well-known: the public keys that verify tokens (JWKS) and the server's metadata (RFC 8414)."""
from flask import Blueprint, url_for

from wms.oauth.grants import CLIENT_AUTH_METHODS, PKCE_METHODS
from wms.oauth.issuer import issuer
from wms.keys import key_ring
from wms.oauth.scopes import SCOPES
from wms.access_tokens import ALGORITHM
from wms.openapi import doc
from wms.schemas.oauth import JwksSchema, ServerMetadataSchema

bp = Blueprint("wellknown", __name__)

# Public documents: caches may keep them a little, never longer than a key rotation takes.
CACHE = {"Cache-Control": "public, max-age=60"}


@bp.get("/jwks.json")
@doc(response=JwksSchema)
def jwks():
    """Every public key still trusted, by kid: the signing key and the retired ones, as the key
    files hold them now (another worker may already sign with a key rotated in a moment ago)."""
    keys = [{**key.as_dict(private=False), "kid": kid, "use": "sig", "alg": ALGORITHM}
            for kid, key in key_ring(fresh=True).public_keys.items()]
    return {"keys": keys}, 200, CACHE


@bp.get("/oauth-authorization-server")
@doc(response=ServerMetadataSchema)
def metadata():
    """What this authorization server offers (RFC 8414)."""
    return {
        "issuer": issuer(),
        "authorization_endpoint": url_for("authorize.authorize", _external=True),
        "token_endpoint": url_for("oauth.token", _external=True),
        "jwks_uri": url_for("wellknown.jwks", _external=True),
        "revocation_endpoint": url_for("oauth.revoke", _external=True),
        "introspection_endpoint": url_for("oauth.introspect", _external=True),
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "client_credentials", "password",
                                  "refresh_token"],
        "code_challenge_methods_supported": list(PKCE_METHODS),
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS + ["none"],
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
    }, 200, CACHE
