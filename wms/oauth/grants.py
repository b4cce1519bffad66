"""The grants /oauth/token accepts, following Passport's rules for which client may use which."""
from authlib.oauth2.rfc6749 import InvalidClientError, grants
from authlib.oauth2.rfc6749.util import extract_basic_authorization

from wms.models.base import utcnow
from wms.oauth.errors import InvalidCredentials, InvalidRefreshToken, PassportInvalidRequest
from wms.oauth.scopes import scope_names
from wms.services.tokens import find_refresh_token, issue_tokens, revoke_refresh_family
from wms.services.users import authenticate

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def require_client_id(request):
    """Passport asks for the client id before it checks anything else."""
    try:
        basic_id, _ = extract_basic_authorization(request.headers)
    except UnicodeDecodeError:
        # Basic credentials that are not UTF-8 name no client of ours (Authlib would crash on
        # them later, when it authenticates the client).
        raise InvalidClientError(status_code=401)
    if not (request.payload.client_id or basic_id):
        raise PassportInvalidRequest("client_id")


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def validate_token_request(self):
        require_client_id(self.request)
        super().validate_token_request()


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    """The scanner app's grant: a user's email and password, for a password client."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS + ["none"]

    def validate_token_request(self):
        require_client_id(self.request)
        for parameter in ("username", "password"):
            if not self.request.payload.data.get(parameter):
                raise PassportInvalidRequest(parameter)
        super().validate_token_request()

    def authenticate_user(self, username, password):
        user = authenticate(username, password)
        if user is None:
            raise InvalidCredentials()
        return user

    def validate_requested_scope(self):
        # "*" (everything the user may do) is for password and personal tokens only.
        if self.request.payload.scope != "*":
            super().validate_requested_scope()


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Rotation: each refresh revokes the old access and refresh tokens and issues new ones;
    presenting a refresh token that was already rotated away revokes its whole family."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS + ["none"]

    def validate_token_request(self):
        require_client_id(self.request)
        if not self.request.payload.data.get("refresh_token"):
            raise PassportInvalidRequest("refresh_token")
        super().validate_token_request()

    def authenticate_refresh_token(self, refresh_token):
        token = find_refresh_token(refresh_token)
        if token is None:
            raise InvalidRefreshToken("Cannot decrypt the refresh token")
        if token.revoked:
            revoke_refresh_family(token.family_id)
            raise InvalidRefreshToken("Token has been revoked")
        if not token.check_client(self.request.client):
            raise InvalidRefreshToken("Token is not linked to client")
        if token.expires_at is not None and token.expires_at <= utcnow():
            raise InvalidRefreshToken("Token has expired")
        return token

    def authenticate_user(self, refresh_token):
        return refresh_token.access_token.user

    def create_token_response(self):
        old = self.request.refresh_token
        scopes = (scope_names(self.request.payload.scope)
                  or old.access_token.scopes)
        token = issue_tokens(client=self.request.client, user_id=old.access_token.user_id,
                             scopes=scopes, refresh=True, replaces=old)
        return 200, token, self.TOKEN_RESPONSE_HEADER
