"""OAuth errors in Passport 7's JSON: error, error_description, hint, message."""
import html

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import (InvalidGrantError, InvalidRequestError, InvalidScopeError,
                                    OAuth2Error)

INVALID_REQUEST = (
    "The request is missing a required parameter, includes an invalid parameter value, "
    "includes a parameter more than once, or is otherwise malformed."
)

# error code -> (status, description, default hint)
PASSPORT_ERRORS = {
    "invalid_client": (401, "Client authentication failed", None),
    "unsupported_grant_type": (
        400,
        "The authorization grant type is not supported by the authorization server.",
        "Check that all required parameters have been provided",
    ),
    "invalid_request": (400, INVALID_REQUEST, None),
    "invalid_scope": (400, "The requested scope is invalid, unknown, or malformed", None),
    "invalid_credentials": (401, "The user credentials were incorrect.", None),
    "invalid_grant": (
        400,
        "The provided authorization grant (e.g., authorization code, resource owner "
        "credentials) or refresh token is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client.",
        None,
    ),
}
# Passport answers a client that may not use a grant as if its credentials were wrong, and an
# authorization request no grant answers as an unknown grant type.
ALIASES = {"unauthorized_client": "invalid_client",
           "unsupported_response_type": "unsupported_grant_type"}


class PassportInvalidRequest(InvalidRequestError):
    """A missing or malformed parameter, with Passport's hint: what is wrong with it, or by
    default its name."""

    def __init__(self, parameter, hint=None):
        super().__init__()
        self.hint = hint or f"Check the `{parameter}` parameter"


class PassportInvalidGrant(InvalidGrantError):
    """A code or PKCE verifier that does not hold, with the reason as hint."""

    def __init__(self, hint):
        super().__init__()
        self.hint = hint


class InvalidCredentials(OAuth2Error):
    """A wrong username or password (the same answer for both)."""

    error = "invalid_credentials"


class InvalidRefreshToken(InvalidRequestError):
    """Passport's answer to a refresh token it will not honour: 401, with the reason as hint."""

    status_code = 401
    passport_description = "The refresh token is invalid."

    def __init__(self, hint):
        super().__init__()
        self.hint = hint


class PassportInvalidScope(InvalidScopeError):
    """An unknown scope. The hint (escaped as Passport does) stays out of Authlib's description,
    which refuses quotes and non-ASCII text."""

    def __init__(self, scope):
        super().__init__()
        self.hint = f"Check the `{html.escape(scope)}` scope"


def passport_error(error: OAuth2Error, had_basic_auth=False):
    """(status, body, headers) of Passport's answer to an Authlib error."""
    code = ALIASES.get(error.error, error.error)
    status, description, hint = PASSPORT_ERRORS.get(
        code, (error.status_code or 400, error.description, None))
    if getattr(error, "passport_description", None):
        status, description = error.status_code, error.passport_description
    hint = getattr(error, "hint", None) or hint
    body = {"error": code, "error_description": description}
    if hint:
        body["hint"] = hint
    body["message"] = description
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
               ("Pragma", "no-cache")]
    if code == "invalid_client" and had_basic_auth:
        headers.append(("WWW-Authenticate", 'Basic realm="OAuth"'))
    return status, body, headers


# Errors of an authorization request that go back to the client's (checked) redirect URI, as
# Passport sends them; the rest are answered here, as JSON (RFC 6749 4.1.2.1: never redirect
# for a bad client or redirect URI). A denial builds its own redirect (wms/api/authorize.py).
REDIRECTED = {"invalid_scope"}


def passport_redirect(error: OAuth2Error):
    """(status, body, headers) of a redirect carrying the error to the client, or None when this
    error is answered as JSON."""
    status, body, _ = passport_error(error)
    if body["error"] not in REDIRECTED or not error.redirect_uri:
        return None
    params = list(body.items())
    if error.state:
        params.append(("state", error.state))
    return 302, "", [("Location", add_params_to_uri(error.redirect_uri, params)),
                     ("Cache-Control", "no-store")]
