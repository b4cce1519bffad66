"""The first-party web UI's token cookie (Passport's `laravel_token`): POST /oauth/token/refresh
gives a signed-in person a short-lived HttpOnly cookie that the bearer guard accepts in place
of a bearer token, when the request also carries the CSRF token the cookie was made with (in
X-CSRF-TOKEN or X-XSRF-TOKEN). Signed with SECRET_KEY; nothing is stored server-side."""
from dataclasses import dataclass, field

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

from wms.models import User
from wms.security import same_secret
from wms.services.users import live_user

SALT = "wms.token-cookie"


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


@dataclass
class TransientToken:
    """A token cookie's holder: acts as its user, with all the user's powers (Passport's
    TransientToken), through no client."""

    user: User
    scopes: list = field(default_factory=list)
    id = None
    client = None
    client_id = None
    transient = True

    client_admin = False

    @property
    def user_id(self):
        return self.user.id

    @property
    def user_is_admin(self):
        return self.user.is_admin


def make_token_cookie(response, user_id, csrf):
    config = current_app.config
    value = _serializer().dumps({"sub": user_id, "csrf": csrf})
    response.set_cookie(config["TOKEN_COOKIE_NAME"], value,
                        max_age=config["TOKEN_COOKIE_LIFETIME"], httponly=True,
                        secure=config["SESSION_COOKIE_SECURE"],
                        samesite=config["SESSION_COOKIE_SAMESITE"])
    return response


def forget_token_cookie(response):
    config = current_app.config
    if config["TOKEN_COOKIE_NAME"] in request.cookies:
        response.delete_cookie(config["TOKEN_COOKIE_NAME"], httponly=True,
                               secure=config["SESSION_COOKIE_SECURE"],
                               samesite=config["SESSION_COOKIE_SAMESITE"])
    return response


def csrf_header():
    """The CSRF token a script sent, in X-CSRF-TOKEN or X-XSRF-TOKEN (Laravel's headers)."""
    return request.headers.get("X-CSRF-TOKEN") or request.headers.get("X-XSRF-TOKEN") or ""


def has_token_cookie():
    return current_app.config["TOKEN_COOKIE_NAME"] in request.cookies


def token_from_cookie():
    """The TransientToken of the request's token cookie, or None: the cookie must be ours,
    younger than TOKEN_COOKIE_LIFETIME, name an existing user who is not deleted, and come with
    its CSRF token."""
    config = current_app.config
    try:
        data = _serializer().loads(request.cookies.get(config["TOKEN_COOKIE_NAME"], ""),
                                   max_age=config["TOKEN_COOKIE_LIFETIME"])
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("sub"), int) \
            or not isinstance(data.get("csrf"), str):
        return None
    if not same_secret(csrf_header(), data["csrf"]):
        return None
    user = live_user(data["sub"])
    return TransientToken(user) if user is not None else None
