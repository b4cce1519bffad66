"""The authorization server: Authlib's, speaking Passport's request and response formats."""
from authlib.integrations.flask_oauth2 import AuthorizationServer as _AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from flask import request as flask_request

from wms.extensions import db
from wms.models import OAuthClient
from wms.oauth.endpoints import IntrospectionEndpoint, RevocationEndpoint
from wms.oauth.errors import PassportInvalidScope, passport_error, passport_redirect
from wms.oauth.grants import (AuthorizationCodeGrant, ClientCredentialsGrant, PasswordGrant,
                              RefreshTokenGrant)
from wms.oauth.scopes import SCOPES, scope_names
from wms.params import request_params
from wms.values import parse_id
from wms.services.tokens import issue_tokens

# What Authlib's https check is shown instead of the request's URL (see PassportRequest).
TRANSPORT_CHECKED_BY_PROXY = "https://localhost/"


def _oauth_value(key, value):
    if key == "scope" and isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value if isinstance(value, str) else str(value)


class PassportRequest(OAuth2Request):
    """An OAuth request read from the merged parameters: query, form or JSON body.

    Passport's clients send JSON bodies, numbers where strings are meant, and `scope` as an array.
    """

    def __init__(self, req, params=None):
        # Authlib raises InsecureTransportError for an http URL not on localhost (or a Host it
        # cannot parse), before its error handling: a 500. Passport never looked at the scheme,
        # and behind a proxy that ends TLS the app sees http, so the check is handed a URL that
        # passes it; `uri` (read by no grant of ours) then gets the real one.
        super().__init__(method=req.method, uri=TRANSPORT_CHECKED_BY_PROXY, headers=req.headers)
        self.uri = req.url
        stored = params is not None
        params = params if stored else request_params()
        data = {k: _oauth_value(k, v) for k, v in params.items() if v is not None}
        self.payload = BasicOAuth2Payload(data)
        if not stored:
            # Each value as often as it was sent (query and form): Authlib refuses an
            # authorization request that names its client, redirect URI or scope twice.
            for key, values in list(req.args.lists()) + list(req.form.lists()):
                if key in data and len(values) > 1:
                    self.payload.datalist[key] = values

    @property
    def args(self):
        return flask_request.args

    @property
    def form(self):
        return self.payload.data


def query_client(client_id):
    """An active (not revoked) client by its numeric id."""
    number = parse_id(client_id)
    client = db.session.get(OAuthClient, number) if number is not None else None
    return None if client is None or client.revoked else client


def generate_token(grant_type, client, user=None, scope=None, expires_in=None,
                   include_refresh_token=True):
    """Passport's token response; the rows are stored as the JWT is signed."""
    return issue_tokens(client=client, user_id=user.id if user else None,
                        scopes=scope_names(scope), refresh=include_refresh_token)


class AuthorizationServer(_AuthorizationServer):
    def create_oauth2_request(self, request):
        """The current request's parameters or, for an approval, the authorization request the
        consent page showed (a dict kept in the session)."""
        return PassportRequest(flask_request, request if isinstance(request, dict) else None)

    def handle_response(self, status, body, headers):
        response = super().handle_response(status, body, headers)
        if body == "":
            # An empty answer (revocation's) is no HTML page.
            del response.headers["Content-Type"]
        return response

    def handle_error_response(self, request, error):
        redirect = passport_redirect(error)
        if redirect is not None:
            return self.handle_response(*redirect)
        had_basic = flask_request.headers.get("Authorization", "").lower().startswith("basic ")
        return self.handle_response(*passport_error(error, had_basic))

    def validate_requested_scope(self, scope):
        """Unknown scopes are an error, never silently dropped."""
        for name in scope_names(scope):
            if name not in SCOPES:
                raise PassportInvalidScope(name)


authorization = AuthorizationServer()
authorization.register_grant(ClientCredentialsGrant)
authorization.register_grant(PasswordGrant)
authorization.register_grant(RefreshTokenGrant)
authorization.register_grant(AuthorizationCodeGrant)
authorization.register_endpoint(RevocationEndpoint)
authorization.register_endpoint(IntrospectionEndpoint)


def init_authorization(app):
    # save_token has nothing left to do: issue_tokens stores the rows as it signs.
    authorization.init_app(app, query_client=query_client, save_token=lambda token, req: None)
    authorization.register_token_generator("default", generate_token)
