"""Sign-in for people: GET /login (a form), POST /login, POST /logout, with Flask's signed session
cookie (README "Login and sessions").

POST /login needs the CSRF token of the pre-login session (GET /login puts it in the form) when
the request comes with a session cookie or is a form; a JSON sign-in with no cookie needs none
(a page on another origin cannot send one with cookies: CORS allows no credentials). A success
starts a new session (new CSRF token: no session fixation). Form posts are answered with pages and
redirects, JSON requests (a JSON body, or Accept: application/json) with JSON.
"""
from urllib.parse import urlsplit

from flask import Blueprint, make_response, redirect, render_template, request, session

from wms.errors import INVALID_PARAMS, ApiError
from wms.oauth.guard import (SESSION_USER_KEY, csrf_token, has_session_cookie, rotate_csrf_token,
                             set_xsrf_cookie, verify_csrf)
from wms.oauth.transient import forget_token_cookie
from wms.params import request_params
from wms.ratelimit import rate_limit
from wms.schemas.accounts import UserSchema
from wms.services.users import BAD_CREDENTIALS, authenticate
from wms.schemas import shape
from wms.openapi import HTML, doc

bp = Blueprint("auth", __name__)
bp.after_app_request(set_xsrf_cookie)


def wants_json():
    """JSON for a JSON body or an Accept that prefers JSON; pages and redirects for browsers."""
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def safe_next(target):
    """`target` if it is a path on this server ("/..."), else "/": no open redirect."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"  # browsers read "/\\evil" as "//evil"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _page(status=200, error=None, email="", next_url="/"):
    html = render_template(
        "login.html", error=error, email=email, next=safe_next(next_url),
        token=csrf_token(), action=request.path)
    return html, status  # wms.http gives pages their headers (CSP, no framing, no-store)


@bp.get("/login")
@doc(content=HTML, security=[])
def login_form():
    """The sign-in page; its hidden `_token` is the session's CSRF token."""
    return _page(next_url=request.args.get("next", "/"))


@bp.post("/login")
@rate_limit("LOGIN_RATE_LIMIT")
@doc(response=UserSchema, errors=[400, 401, 419, 429], responses={302: None}, security=[])
def login():
    as_json = wants_json()
    if has_session_cookie() or not request.is_json:
        verify_csrf()
    params = request_params()
    email, password = params.get("email"), params.get("password")
    next_url = params.get("next") or "/"
    if not isinstance(email, str) or not email.strip() or not isinstance(password, str) \
            or not password:
        if as_json:
            errors = {}
            if not isinstance(email, str) or not email.strip():
                errors["email"] = ["The email field is required."]
            if not isinstance(password, str) or not password:
                errors["password"] = ["The password field is required."]
            raise ApiError(INVALID_PARAMS, 400, errors)
        return _page(400, "Enter your email and password.", email if isinstance(email, str)
                     else "", next_url)
    user = authenticate(email, password)
    if user is None:
        if as_json:
            raise ApiError(BAD_CREDENTIALS, 401)
        return _page(401, BAD_CREDENTIALS, email, next_url)
    session.clear()
    session.permanent = True
    session[SESSION_USER_KEY] = user.id
    rotate_csrf_token()
    # Another person's token cookie, left in this browser, goes with their session.
    response = shape(UserSchema).dump(user) if as_json else redirect(safe_next(next_url), 302)
    return forget_token_cookie(make_response(response))


@bp.post("/logout")
@doc(status=204, responses={302: None}, errors=[419], security=[{"session": []}])
def logout():
    """Ends the session (a write of the cookie's: it needs the CSRF token when a cookie came)."""
    if has_session_cookie():
        verify_csrf()
    session.clear()
    response = ("", 204) if wants_json() else redirect("/login", 302)
    return forget_token_cookie(make_response(response))
