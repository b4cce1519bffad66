"""Token revocation (RFC 7009) and introspection (RFC 7662), on Authlib's endpoints.

A client authenticates as at the token endpoint (client_secret_basic or client_secret_post) and
may revoke or introspect only its own tokens. Neither endpoint tells a client whether a token it
may not see exists: revoking one answers 200 as if it were done, introspecting one answers
`{"active": false}`.

The token types live in TOKEN_TYPES, tried in turn (the hinted type first): access and refresh
tokens.
"""
from datetime import timezone

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint

from wms.models.base import utcnow
from wms.oauth.errors import PassportInvalidRequest
from wms.oauth.grants import CLIENT_AUTH_METHODS
from wms.oauth.issuer import issuer
from wms.access_tokens import find_access_token
from wms.services.tokens import (find_refresh_token, revoke_access_token,
                                 revoke_refresh_family)

NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]


class PresentedAccessToken:
    """An access token a client sent: its row and the claims of its verified JWT."""

    TYPE = "access_token"

    def __init__(self, row, claims):
        self.row = row
        self.claims = claims

    @classmethod
    def find(cls, token_string):
        """The token, if we signed it, it is within its lifetime and its row exists."""
        row, claims = find_access_token(token_string)
        return None if row is None else cls(row, claims)

    def check_client(self, client):
        return str(self.row.client_id) == client.get_client_id()

    def is_expired(self):
        return self.row.expires_at is not None and self.row.expires_at <= utcnow()

    def is_revoked(self):
        # As the guard: a revoked client's tokens, a deleted user's, let nothing in.
        return self.row.revoked or self.row.client.revoked or self.row.user_deleted

    def revoke(self):
        revoke_access_token(self.row.id)

    def introspect(self):
        claims = self.claims
        return {
            "active": True,
            "scope": " ".join(self.row.scopes or []),
            "client_id": str(self.row.client_id),
            "token_type": "Bearer",
            "exp": claims["exp"],
            "iat": claims["iat"],
            "nbf": claims["nbf"],
            "sub": claims["sub"],
            "aud": claims["aud"],
            "jti": claims["jti"],
            "iss": issuer(),
        }


class PresentedRefreshToken:
    """A refresh token a client sent (its row, found by the hash of its value)."""

    TYPE = "refresh_token"

    def __init__(self, row):
        self.row = row

    @classmethod
    def find(cls, token_string):
        row = find_refresh_token(token_string)
        return None if row is None else cls(row)

    def check_client(self, client):
        return self.row.check_client(client)

    def is_expired(self):
        return self.row.expires_at is not None and self.row.expires_at <= utcnow()

    def is_revoked(self):
        return self.row.revoked or self.row.access_token.client.revoked

    def revoke(self):
        """The grant behind it ends: every token of its rotation family (RFC 7009 2.1)."""
        revoke_refresh_family(self.row.family_id)

    def introspect(self):
        access = self.row.access_token
        return {
            "active": True,
            "scope": " ".join(access.scopes or []),
            "client_id": str(access.client_id),
            "token_type": "refresh_token",
            "exp": int(self.row.expires_at.replace(tzinfo=timezone.utc).timestamp()),
            "sub": str(access.user_id) if access.user_id is not None else "",
            "iss": issuer(),
        }


# The kinds of token the endpoints know, by their RFC 7009 `token_type_hint` name.
TOKEN_TYPES = {cls.TYPE: cls for cls in (PresentedAccessToken, PresentedRefreshToken)}


def find_token(token_string, hint=None):
    """The token, of whatever type; the hinted type is tried first, an unknown hint is ignored
    (RFC 7009 2.1: the server extends its search to every type it supports)."""
    for kind in sorted(TOKEN_TYPES, key=lambda kind: kind != hint):
        token = TOKEN_TYPES[kind].find(token_string)
        if token is not None:
            return token
    return None


class _ClientTokenEndpoint:
    """What revocation and introspection share: client auth and the `token` parameter."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def authenticate_endpoint_client(self, request):
        try:
            return super().authenticate_endpoint_client(request)
        except UnicodeDecodeError:
            # Basic credentials that are not UTF-8 name no client of ours.
            raise InvalidClientError(status_code=401)

    def check_params(self, request, client):
        """`token` is required; a `token_type_hint` we do not know is ignored (RFC 7009 2.1)."""
        if not request.form.get("token"):
            raise PassportInvalidRequest("token")

    def query_token(self, token_string, token_type_hint):
        return find_token(token_string, token_type_hint)


class RevocationEndpoint(_ClientTokenEndpoint, _RevocationEndpoint):
    def authenticate_token(self, request, client):
        """The client's own token, else None: another client's token is answered as an unknown
        one (200, nothing done), so that no client learns of another's tokens."""
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        return token if token is not None and token.check_client(client) else None

    def revoke_token(self, token, request):
        token.revoke()

    def create_endpoint_response(self, request):
        """200 with an empty body, whether or not there was a token to revoke (RFC 7009 2.2)."""
        super().create_endpoint_response(request)
        return 200, "", NO_STORE


class IntrospectionEndpoint(_ClientTokenEndpoint, _IntrospectionEndpoint):
    def check_permission(self, token, client, request):
        return token.check_client(client)

    def introspect_token(self, token):
        return token.introspect()
