"""The grants /oauth/token accepts, following Passport's rules for which client may use which."""
import json
import re

from authlib.oauth2.rfc6749 import (InvalidClientError, UnauthorizedClientError,
                                    UnsupportedResponseTypeError, grants)
from authlib.oauth2.rfc6749.hooks import hooked
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc7636.challenge import (compare_plain_code_challenge,
                                              compare_s256_code_challenge)

from wms.models.base import utcnow
from wms.oauth.errors import (InvalidCredentials, InvalidRefreshToken, PassportInvalidGrant,
                              PassportInvalidRequest)
from wms.oauth.scopes import scope_names
from wms.services.auth_codes import find_code, save_code
from wms.services.tokens import (CodeAlreadyUsed, find_refresh_token, issue_tokens,
                                 revoke_refresh_family, revoke_tokens_of_code)
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
        if token.access_token.user_deleted:
            # Revoked with the user's deletion, unless issued while it ran.
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


# RFC 7636 4.1 and 4.2: 43 to 128 unreserved characters.
PKCE_VALUE = re.compile(r"[A-Za-z0-9._~-]{43,128}")
PKCE_METHODS = {"S256": compare_s256_code_challenge, "plain": compare_plain_code_challenge}
AUTHORIZATION_LIMITS = {"state": 1024, "scope": 255}


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """Third-party apps: the user approves on the consent page, the app exchanges the code.

    PKCE (S256 or plain) is taken from any client and required from public ones; a code is good
    once, for AUTH_CODE_LIFETIME seconds, for the client and redirect URI it was issued to.
    Errors follow Passport (league/oauth2-server): a bad client or redirect URI is
    `invalid_client`, a bad code or PKCE parameter `invalid_request` with a hint naming it.
    """

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS + ["none"]

    @staticmethod
    def validate_authorization_redirect_uri(request, client):
        """The requested redirect URI must be one the client registered; with none requested,
        the client must have exactly one. Never redirect to anything else: invalid_client."""
        requested = request.payload.redirect_uri
        uri = requested if requested is not None else client.get_default_redirect_uri()
        if not client.check_redirect_uri(uri):
            raise InvalidClientError(status_code=401)
        return uri

    def validate_authorization_request(self):
        if not self.request.payload.client_id:
            # league's code grant answers only requests that name a client: no grant does.
            raise UnsupportedResponseTypeError(self.request.payload.response_type)
        for parameter, limit in AUTHORIZATION_LIMITS.items():
            # The request waits in the session cookie, which browsers cap at 4 KB: its size
            # there is that of its JSON.
            if len(json.dumps(self.request.payload.data.get(parameter) or "")) > limit:
                raise PassportInvalidRequest(parameter)
        redirect_uri = super().validate_authorization_request()
        self._validate_code_challenge()
        return redirect_uri

    def _validate_code_challenge(self):
        data = self.request.payload.data
        challenge = data.get("code_challenge")
        if not challenge:
            if data.get("code_challenge_method"):
                raise PassportInvalidRequest("code_challenge")
            if not self.request.client.confidential:
                raise PassportInvalidRequest(
                    "code_challenge", "Code challenge must be provided for public clients")
            return
        method = data.get("code_challenge_method") or "plain"
        if method not in PKCE_METHODS:
            raise PassportInvalidRequest(
                "code_challenge_method",
                "Code challenge method must be one of `S256`, `plain`")
        if not PKCE_VALUE.fullmatch(challenge):
            raise PassportInvalidRequest(
                "code_challenge", "Code challenge must follow the specifications of RFC-7636.")

    def save_authorization_code(self, code, request):
        data = request.payload.data
        challenge = data.get("code_challenge") or None
        save_code(code, client=request.client, user_id=request.user.id,
                  scopes=scope_names(request.scope), redirect_uri=request.payload.redirect_uri,
                  code_challenge=challenge,
                  code_challenge_method=(data.get("code_challenge_method") or "plain")
                  if challenge else None)

    @hooked
    def validate_token_request(self):
        request = self.request
        require_client_id(request)
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError()
        request.client = client
        redirect_uri = request.payload.redirect_uri
        if redirect_uri is not None and not client.check_redirect_uri(redirect_uri):
            raise InvalidClientError(status_code=401)
        code = request.payload.data.get("code")
        if not code:
            raise PassportInvalidRequest("code")
        authorization_code = self.query_authorization_code(code, client)
        if authorization_code.redirect_uri is not None:
            if redirect_uri is None:
                raise PassportInvalidRequest("redirect_uri")
            if redirect_uri != authorization_code.redirect_uri:
                raise PassportInvalidRequest("redirect_uri", "Invalid redirect URI")
        request.authorization_code = authorization_code
        self._verify_code_verifier(authorization_code)

    def query_authorization_code(self, code, client):
        row = find_code(code)
        if row is None:
            raise PassportInvalidRequest("code", "Cannot decrypt the authorization code")
        if row.revoked:
            revoke_tokens_of_code(row.id)
            raise PassportInvalidRequest("code", "Authorization code has been revoked")
        if row.expires_at is None or row.expires_at <= utcnow():
            raise PassportInvalidRequest("code", "Authorization code has expired")
        if row.client_id != client.id:
            raise PassportInvalidRequest("code", "Authorization code was not issued to this client")
        return row

    def _verify_code_verifier(self, authorization_code):
        verifier = self.request.payload.data.get("code_verifier")
        challenge = authorization_code.code_challenge
        if challenge is None:
            if not self.request.client.confidential:
                raise PassportInvalidRequest("code_verifier")  # only from an old code
            if verifier:
                # RFC 9700 4.8: a verifier for a code issued without a challenge is refused.
                raise PassportInvalidRequest(
                    "code_challenge", "code_verifier received when no code_challenge is present")
            return
        if not verifier:
            raise PassportInvalidRequest("code_verifier")
        if not PKCE_VALUE.fullmatch(verifier):
            raise PassportInvalidRequest(
                "code_verifier", "Code Verifier must follow the specifications of RFC-7636.")
        compare = PKCE_METHODS[authorization_code.code_challenge_method or "plain"]
        if not compare(verifier, challenge):
            raise PassportInvalidGrant("Failed to verify `code_verifier`.")

    @hooked
    def create_token_response(self):
        code = self.request.authorization_code
        try:
            token = issue_tokens(client=self.request.client, user_id=code.user_id,
                                 scopes=list(code.scopes or []), refresh=True, code=code)
        except CodeAlreadyUsed:
            revoke_tokens_of_code(code.id)
            raise PassportInvalidRequest("code", "Authorization code has been revoked")
        return 200, token, self.TOKEN_RESPONSE_HEADER
