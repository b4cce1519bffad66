"""Sign-in for people: GET /login (a form), POST /login, POST /logout, with Flask's signed session
cookie (README "Login and sessions").

POST /login needs the CSRF token of the pre-login session (GET /login puts it in the form) when
the request comes with a session cookie or is a form; a JSON sign-in with no cookie needs none
(a page on another origin cannot send one with cookies: CORS allows no credentials). A success
starts a new session (new CSRF token: no session fixation). Form posts are answered with pages and
redirects, JSON requests (a JSON body, or Accept: application/json) with JSON.
"""
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template_string, request, session

from wms.errors import INVALID_PARAMS, ApiError
from wms.oauth.guard import (SESSION_USER_KEY, csrf_token, has_session_cookie, rotate_csrf_token,
                             set_xsrf_cookie, verify_csrf)
from wms.params import request_params
from wms.ratelimit import rate_limit
from wms.schemas.accounts import UserSchema
from wms.services.users import authenticate

bp = Blueprint("auth", __name__)
bp.after_app_request(set_xsrf_cookie)

BAD_CREDENTIALS = "These credentials do not match our records."

LOGIN_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - wms</title>
<style>
  body { margin: 0; min-height: 100vh; display: flex; align-items: center;
         justify-content: center; background: #f3f4f6; color: #111827;
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { width: 100%; max-width: 22rem; background: #fff; padding: 2rem;
         border-radius: .5rem; box-shadow: 0 1px 3px rgba(0, 0, 0, .15); }
  h1 { margin: 0 0 1.5rem; font-size: 1.25rem; }
  label { display: block; margin-bottom: 1rem; font-size: .875rem; font-weight: 600; }
  input { display: block; box-sizing: border-box; width: 100%; margin-top: .25rem;
          padding: .5rem .75rem; border: 1px solid #d1d5db; border-radius: .375rem;
          font: inherit; }
  input:focus { outline: 2px solid #2563eb; outline-offset: 1px; }
  button { width: 100%; padding: .6rem; border: 0; border-radius: .375rem;
           background: #2563eb; color: #fff; font: inherit; font-weight: 600;
           cursor: pointer; }
  button:hover { background: #1d4ed8; }
  .error { margin: 0 0 1rem; padding: .75rem; border-radius: .375rem;
           background: #fef2f2; color: #991b1b; font-size: .875rem; }
</style>
</head>
<body>
<main>
  <h1>Sign in</h1>
  {% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
  <form method="post" action="{{ action }}">
    <input type="hidden" name="_token" value="{{ token }}">
    <input type="hidden" name="next" value="{{ next }}">
    <label>Email
      <input type="email" name="email" value="{{ email }}" autocomplete="username" required
             autofocus>
    </label>
    <label>Password
      <input type="password" name="password" autocomplete="current-password" required>
    </label>
    <button type="submit">Sign in</button>
  </form>
</main>
</body>
</html>
"""


def _wants_json():
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
    html = render_template_string(
        LOGIN_PAGE, error=error, email=email, next=safe_next(next_url),
        token=csrf_token(), action=request.path)
    return html, status, {"Content-Type": "text/html; charset=utf-8",
                          "Cache-Control": "no-store"}


@bp.get("/login")
def login_form():
    """The sign-in page; its hidden `_token` is the session's CSRF token."""
    return _page(next_url=request.args.get("next", "/"))


@bp.post("/login")
@rate_limit("LOGIN_RATE_LIMIT")
def login():
    wants_json = _wants_json()
    if has_session_cookie() or not request.is_json:
        verify_csrf()
    params = request_params()
    email, password = params.get("email"), params.get("password")
    next_url = params.get("next") or "/"
    if not isinstance(email, str) or not email.strip() or not isinstance(password, str) \
            or not password:
        if wants_json:
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
        if wants_json:
            raise ApiError(BAD_CREDENTIALS, 401)
        return _page(401, BAD_CREDENTIALS, email, next_url)
    session.clear()
    session.permanent = True
    session[SESSION_USER_KEY] = user.id
    rotate_csrf_token()
    if wants_json:
        return UserSchema().dump(user)
    return redirect(safe_next(next_url), 302)


@bp.post("/logout")
def logout():
    """Ends the session (a write of the cookie's: it needs the CSRF token when a cookie came)."""
    if has_session_cookie():
        verify_csrf()
    session.clear()
    if _wants_json():
        return "", 204
    return redirect("/login", 302)
