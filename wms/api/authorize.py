"""Passport's browser routes under /oauth, for a person signed in with the session cookie:
the authorization-code consent (GET, POST and DELETE /oauth/authorize) and the web UI's token
cookie (POST /oauth/token/refresh). README "Authorization code flow".

GET /oauth/authorize checks the client's request (Authlib), then shows the consent page and keeps
the request in the session under a random `auth_token`; approving or denying it needs that
`auth_token` and the session's CSRF token, which is checked first (419), as Laravel's web
middleware does, before anyone is asked who they are.
"""
import hashlib
import secrets

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidClientError
from flask import (Blueprint, make_response, redirect, render_template, request, session,
                   url_for)

from wms.api.auth import wants_json
from wms.errors import ApiError
from wms.oauth.guard import csrf_token, session_user, verify_csrf
from wms.oauth.scopes import SCOPES, scope_names
from wms.oauth.server import authorization, query_client
from wms.oauth.transient import make_token_cookie
from wms.params import request_params
from wms.security import same_secret
from wms.services.tokens import has_valid_token_with_scopes
from wms.openapi import HTML, TEXT, doc

bp = Blueprint("authorize", __name__)

AUTH_REQUEST_KEY = "authRequest"
NO_REQUEST = "Authorization request was not present in the session."
WRONG_AUTH_TOKEN = "The provided auth token for the request is different from the session auth " \
                   "token."


def _signed_in_user():
    user = session_user()
    if user is None:
        raise ApiError("Unauthenticated.", 401)
    return user


@bp.get("/authorize")
@doc(content=HTML, responses={302: None}, errors=[400, 401], security=[{"session": []}])
def authorize():
    """The consent page (or, for a JSON caller, what it would show); a guest's browser is sent
    to /login and back here."""
    user = session_user()
    if user is None:
        if wants_json():
            raise ApiError("Unauthenticated.", 401)
        return redirect(url_for("auth.login_form", next=request.full_path), 302)
    try:
        grant = authorization.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return authorization.handle_error_response(None, error)
    client, scopes = grant.client, scope_names(grant.request.scope)
    data = grant.request.payload.data
    pending = {
        "user_id": user.id, "client_id": client.id, "scope": " ".join(scopes),
        # The redirect URI by its digest: the session cookie stays small, and the URI must
        # still be one of the client's when the user answers.
        "redirect": _digest(grant.redirect_uri),
        "redirect_named": data.get("redirect_uri") is not None,
        **{key: data[key] for key in ("state", "code_challenge", "code_challenge_method")
           if data.get(key)},
    }
    if has_valid_token_with_scopes(user.id, client.id, scopes):
        # Passport's rule: a client the user already gave these scopes is not asked again.
        return _approve(pending, client, grant.redirect_uri, user)
    pending["auth_token"] = auth_token = secrets.token_urlsafe(32)
    session[AUTH_REQUEST_KEY] = pending
    described = [{"id": name, "description": SCOPES[name]} for name in scopes]
    if wants_json():
        return {"client": {"id": client.id, "name": client.name}, "scopes": described,
                "state": pending.get("state"), "auth_token": auth_token}
    html = render_template("consent.html", client=client, user=user, scopes=described,
                           auth_token=auth_token, token=csrf_token(), action=request.path)
    return html


@bp.post("/authorize")
@doc(status=302, errors=[400, 401, 419], security=[{"session": []}])
def approve():
    """Approve the request the consent page showed: 302 to the client with `code` and `state`.
    `_method=DELETE` (form, query or JSON) or `X-HTTP-Method-Override: DELETE` denies it
    instead, as Laravel routes it."""
    override = request_params().get("_method") or request.headers.get("X-HTTP-Method-Override")
    if isinstance(override, str) and override.upper() == "DELETE":
        return deny()
    verify_csrf()
    user = _signed_in_user()
    pending, client, redirect_uri = _take_pending_request(user)
    if redirect_uri is None:
        return _client_gone()
    return _approve(pending, client, redirect_uri, user)


@bp.delete("/authorize")
@doc(status=302, errors=[400, 401, 419], security=[{"session": []}])
def deny():
    """Deny the request: 302 to the client with `error=access_denied` (and its `state`)."""
    verify_csrf()
    user = _signed_in_user()
    pending, _client, redirect_uri = _take_pending_request(user)
    if redirect_uri is None:
        return _client_gone()
    params = [("error", "access_denied")]
    if pending.get("state"):
        params.append(("state", pending["state"]))
    return _no_store(redirect(add_params_to_uri(redirect_uri, params), 302))


def _digest(uri):
    return hashlib.sha256(uri.encode()).hexdigest()[:32]


def _take_pending_request(user):
    """(pending request, client, redirect URI) of the authorization request kept for this user,
    removed from the session: it is answered once. The `auth_token` sent must be the one the
    consent page held. The redirect URI is None when the client, or that URI of it, is gone."""
    pending = session.get(AUTH_REQUEST_KEY)
    if not isinstance(pending, dict) or pending.get("user_id") != user.id:
        raise ApiError(NO_REQUEST, 400)
    if not same_secret(request_params().get("auth_token"), pending.get("auth_token")):
        raise ApiError(WRONG_AUTH_TOKEN, 400)
    session.pop(AUTH_REQUEST_KEY)
    client = query_client(pending["client_id"])
    redirect_uri = next((uri for uri in (client.redirect_uris if client else [])
                         if _digest(uri) == pending["redirect"]), None)
    return pending, client, redirect_uri


def _client_gone():
    """Passport's answer when the client, or its redirect URI, went since the page was shown."""
    return authorization.handle_error_response(None, InvalidClientError(status_code=401))


def _approve(pending, client, redirect_uri, user):
    """Issue the code. Authlib checks the request again, as it was asked."""
    params = {"response_type": "code", "client_id": str(client.id), "scope": pending["scope"],
              **{key: pending[key] for key in ("state", "code_challenge",
                                               "code_challenge_method") if key in pending}}
    if pending["redirect_named"]:
        params["redirect_uri"] = redirect_uri
    oauth_request = authorization.create_oauth2_request(params)
    oauth_request.user = user
    try:
        grant = authorization.get_authorization_grant(oauth_request)
    except OAuth2Error as error:
        return authorization.handle_error_response(oauth_request, error)
    return _no_store(authorization.create_authorization_response(
        request=oauth_request, grant_user=user, grant=grant))


def _no_store(response):
    """A redirect that carries a code or an answer is not for caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/token/refresh")
@doc(content=TEXT, errors=[401, 419], security=[{"session": []}])
def refresh_token_cookie():
    """A fresh token cookie for the signed-in person (the web UI calls this before its token
    cookie runs out)."""
    verify_csrf()
    user = _signed_in_user()
    response = make_response(("Refreshed.", 200, {"Content-Type": "text/plain; charset=utf-8",
                                                  "Cache-Control": "no-store"}))
    return make_token_cookie(response, user.id, csrf_token())
