"""The bearer guard of the API: a signed, unexpired, unrevoked access token of ours; and, for
the routes of a signed-in user, the session cookie of POST /login with its CSRF token."""
import secrets

from authlib.integrations.flask_oauth2 import ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import MissingAuthorizationError
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from flask import current_app, g, request, session

from wms.errors import ApiError
from wms.http import identify
from wms.oauth.permissions import INVALID_SCOPES, may_change_tokens
from wms.access_tokens import presented_token
from wms.oauth.transient import csrf_header, has_token_cookie, token_from_cookie
from wms.security import same_secret
from wms.services import Actor
from wms.services.users import live_user


class JWTBearerValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        """The token's row, found by the `jti` of a JWT whose signature and lifetime hold."""
        return presented_token(token_string)

    def validate_token(self, token, scopes, request):
        if token is not None:
            # Logs a revoked token; keeps a personal token's last_used_at (once a minute).
            from wms.services.personal_tokens import token_presented
            token_presented(token)
        # Passport refuses every token of a revoked client.
        if token is None or not token.is_active() or token.client_revoked \
                or token.user_deleted:
            raise InvalidTokenError()


class Guard(ResourceProtector):
    def parse_request_authorization(self, request):
        """`Bearer <jwt>` (scheme in any case) or, as the legacy server took it, a bare JWT; or,
        when there is no Authorization header, the same token in `X-API-Key` (the API-key
        scheme of spec/04), bare or after a `Bearer` or `Token` prefix."""
        auth = (request.headers.get("Authorization") or "").strip()
        schemes = ("bearer",)
        if not auth:
            auth = (request.headers.get("X-API-Key") or "").strip()
            schemes = ("bearer", "token")
        if not auth:
            raise MissingAuthorizationError("bearer", None)
        parts = auth.split(None, 1)
        if len(parts) == 2 and parts[0].lower() not in schemes:
            raise InvalidTokenError()
        return self.get_token_validator("bearer"), parts[-1].strip()

    def raise_error_response(self, error):
        raise ApiError("Unauthenticated.", 401, headers={"WWW-Authenticate": "Bearer"})


guard = Guard()
guard.register_token_validator(JWTBearerValidator())


def has_token_header():
    return bool((request.headers.get("Authorization") or "").strip()
                or (request.headers.get("X-API-Key") or "").strip())


def bearer_token():
    """The request's token: a bearer token (or API key) when a header carries one, else the
    web UI's token cookie with its CSRF header (wms/oauth/transient.py); 401 otherwise."""
    if not has_token_header() and has_token_cookie():
        token = token_from_cookie()
        if token is None:
            guard.raise_error_response(None)
        g.authlib_server_oauth2_token = token
    else:
        try:
            token = guard.acquire_token()
        except OAuth2Error as error:
            guard.raise_error_response(error)
    identify(client_id=token.client_id, user_id=token.user_id)
    return token


def require_token():
    """before_request hook of the API blueprints (CORS preflights carry no token)."""
    if request.method == "OPTIONS":
        return None
    token = bearer_token()
    if not scopes_allow(token.scopes, request.method):
        raise ApiError(INVALID_SCOPES, 403)
    return None


def scopes_allow(scopes, method):
    """Passport's rule: a token with no scopes, or `*`, may do all its owner may; otherwise
    reading needs `read` or `write`, and changing needs `write`."""
    if not scopes or "*" in scopes:
        return True
    needed = {"read", "write"} if method in ("GET", "HEAD") else {"write"}
    return bool(needed & set(scopes))


def refuse_read_only_writes(token):
    """403 for a write (of tokens, clients) by a token that may only read."""
    if request.method not in SAFE_METHODS and not may_change_tokens(token):
        raise ApiError(INVALID_SCOPES, 403)


def require_user():
    """before_request hook of the routes where people manage their own clients and tokens:
    a bearer token that belongs to a user (a client-credentials token has none) when the request
    has an Authorization header; otherwise the signed-in user of the session cookie, whose
    writes must carry the session's CSRF token (419 without it)."""
    if request.method == "OPTIONS":
        return None
    user = None if has_token_header() else session_user()
    if user is None:
        # The token cookie is not enough here (Passport's web routes): fifteen minutes of it
        # must not turn into a year-long personal token or a new client.
        if not has_token_header():
            raise ApiError("Unauthenticated.", 401)
        token = bearer_token()
        if token.user_id is None:
            raise ApiError("Unauthenticated.", 401)
        refuse_read_only_writes(token)
        g.user = token.user
        return None
    if request.method not in SAFE_METHODS:
        verify_csrf()
    identify(user_id=user.id)
    g.user = user
    return None


# --- Sessions and CSRF -----------------------------------------------------------------------
# The session is Flask's signed cookie (no server-side state, DESIGN 10): the signed-in user's
# id and a random CSRF token. Writes authenticated by the cookie must send the token back, in
# the form field `_token` or the header `X-CSRF-TOKEN` or `X-XSRF-TOKEN` (the readable
# XSRF-TOKEN cookie holds it for scripts), as Laravel's VerifyCsrfToken takes it.

SESSION_USER_KEY = "user_id"
SESSION_CSRF_KEY = "_token"
XSRF_COOKIE = "XSRF-TOKEN"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_MISMATCH = "CSRF token mismatch."


def session_user():
    """The existing, not deleted user the session cookie is signed in as, else None."""
    user_id = session.get(SESSION_USER_KEY)
    if not isinstance(user_id, int):
        return None
    return live_user(user_id)


def has_session_cookie():
    """Whether the request came with a session cookie (of any content)."""
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies


def csrf_token():
    """The session's CSRF token, made on first use (to embed in pages as `_token`)."""
    g.csrf_token_used = True
    token = session.get(SESSION_CSRF_KEY)
    if not token:
        token = session[SESSION_CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def rotate_csrf_token():
    """A fresh CSRF token for the session (at sign-in), replacing the old one."""
    g.csrf_token_used = True
    session[SESSION_CSRF_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_CSRF_KEY]


def _sent_csrf_token():
    sent = csrf_header()
    if not sent and request.mimetype in ("application/x-www-form-urlencoded",
                                         "multipart/form-data"):
        sent = request.form.get("_token")
    return sent or ""


def verify_csrf():
    """419 {"message": "CSRF token mismatch."} unless the request sends the session's token."""
    if not same_secret(_sent_csrf_token(), session.get(SESSION_CSRF_KEY)):
        raise ApiError(CSRF_MISMATCH, 419)


def set_xsrf_cookie(response):
    """after_request: the readable XSRF-TOKEN cookie follows the session's CSRF token (and goes
    when the session has none), so the web UI can echo it in X-XSRF-TOKEN."""
    if not (g.get("csrf_token_used") or has_session_cookie() or XSRF_COOKIE in request.cookies):
        return response  # leave the session alone: no Set-Cookie, no "Vary: Cookie"
    config = current_app.config
    token = session.get(SESSION_CSRF_KEY)
    if token and request.cookies.get(XSRF_COOKIE) != token:
        response.set_cookie(XSRF_COOKIE, token, max_age=config["PERMANENT_SESSION_LIFETIME"],
                            secure=config["SESSION_COOKIE_SECURE"], httponly=False,
                            samesite=config["SESSION_COOKIE_SAMESITE"])
    elif not token and XSRF_COOKIE in request.cookies:
        response.delete_cookie(XSRF_COOKIE, secure=config["SESSION_COOKIE_SECURE"],
                               samesite=config["SESSION_COOKIE_SAMESITE"])
    return response


def acting_token():
    """The token the request came with (a row, or the web UI's cookie token); None for a
    person signed in with the session cookie."""
    return g.get("authlib_server_oauth2_token")


def current_user():
    """The user a require_user route acts for."""
    return g.user


def current_actor():
    """Who the current request acts for, for the movements ledger."""
    return Actor(user_id=current_token.user_id, client_id=current_token.client_id)
