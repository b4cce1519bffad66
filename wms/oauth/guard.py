"""The bearer guard of the API: a signed, unexpired, unrevoked access token of ours."""
from authlib.integrations.flask_oauth2 import ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import MissingAuthorizationError
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from flask import request
from sqlalchemy.orm import joinedload

from wms.errors import ApiError
from wms.extensions import db
from wms.models import AccessToken
from wms.oauth.tokens import verify_access_token
from wms.services import Actor


class JWTBearerValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        """The token's row, found by the `jti` of a JWT whose signature and lifetime hold."""
        claims = verify_access_token(token_string)
        if claims is None:
            return None
        token = db.session.get(AccessToken, claims["jti"],
                               options=[joinedload(AccessToken.client)])
        if token is None or str(token.client_id) != str(claims.get("aud")):
            return None
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


def require_token():
    """before_request hook of the API blueprints (CORS preflights carry no token)."""
    if request.method == "OPTIONS":
        return None
    try:
        guard.acquire_token()
    except OAuth2Error as error:
        guard.raise_error_response(error)
    return None


def current_actor():
    """Who the current request acts for, for the movements ledger."""
    return Actor(user_id=current_token.user_id, client_id=current_token.client_id)
