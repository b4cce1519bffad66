"""OAuth errors in Passport 7's JSON: error, error_description, hint, message."""
import html

from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError, OAuth2Error

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
}
# Passport answers a client that may not use a grant as if its credentials were wrong.
ALIASES = {"unauthorized_client": "invalid_client"}


class PassportInvalidRequest(InvalidRequestError):
    """A missing or malformed parameter, with Passport's hint naming it."""

    def __init__(self, parameter):
        super().__init__()
        self.hint = f"Check the `{parameter}` parameter"


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
