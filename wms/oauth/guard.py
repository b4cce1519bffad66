"""The bearer guard of the API: a signed, unexpired, unrevoked access token of ours."""
from authlib.integrations.flask_oauth2 import ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import MissingAuthorizationError
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from flask import g, request

from wms.errors import ApiError
from wms.oauth.tokens import find_access_token
from wms.services import Actor


class JWTBearerValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        """The token's row, found by the `jti` of a JWT whose signature and lifetime hold."""
        token, _claims = find_access_token(token_string)
        return token

    def validate_token(self, token, scopes, request):
        # Passport refuses every token of a revoked client.
        if token is None or not token.is_active() or token.client.revoked:
            raise InvalidTokenError()


class Guard(ResourceProtector):
    def parse_request_authorization(self, request):
        """`Bearer <jwt>` (scheme in any case) or, as the legacy server took it, a bare JWT."""
        auth = (request.headers.get("Authorization") or "").strip()
        if not auth:
            raise MissingAuthorizationError("bearer", None)
        parts = auth.split(None, 1)
        if len(parts) == 2 and parts[0].lower() != "bearer":
            raise InvalidTokenError()
        return self.get_token_validator("bearer"), parts[-1].strip()

    def raise_error_response(self, error):
        raise ApiError("Unauthenticated.", 401, headers={"WWW-Authenticate": "Bearer"})


guard = Guard()
guard.register_token_validator(JWTBearerValidator())


def _bearer_token():
    try:
        return guard.acquire_token()
    except OAuth2Error as error:
        guard.raise_error_response(error)


def require_token():
    """before_request hook of the API blueprints (CORS preflights carry no token)."""
    if request.method == "OPTIONS":
        return None
    token = _bearer_token()
    if not scopes_allow(token.scopes, request.method):
        raise ApiError("Invalid scope(s) provided.", 403)
    return None


def scopes_allow(scopes, method):
    """Passport's rule: a token with no scopes, or `*`, may do all its owner may; otherwise
    reading needs `read` or `write`, and changing needs `write`."""
    if not scopes or "*" in scopes:
        return True
    needed = {"read", "write"} if method in ("GET", "HEAD") else {"write"}
    return bool(needed & set(scopes))


def require_user():
    """before_request hook of the routes where people manage their own clients and tokens:
    a bearer token that belongs to a user (a client-credentials token has none)."""
    if request.method == "OPTIONS":
        return None
    token = _bearer_token()
    if token.user_id is None:
        raise ApiError("Unauthenticated.", 401)
    g.user = token.user
    return None


def current_user():
    """The user a require_user route acts for."""
    return g.user


def current_actor():
    """Who the current request acts for, for the movements ledger."""
    return Actor(user_id=current_token.user_id, client_id=current_token.client_id)
