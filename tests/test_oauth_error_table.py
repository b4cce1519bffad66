"""The error cases of the OAuth routes, as tables: each with its exact status and JSON body (or,
for an error sent back to the client, the query of the redirect), as Passport 7 on
league/oauth2-server 8 answers them."""
import base64
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken, AuthCode, OAuthClient
from wms.models.base import utcnow
from wms.services.auth_codes import code_id
from wms.services.clients import create_client
from wms.services.tokens import issue_tokens
from wms.services.users import create_user

from tests.conftest import USER_EMAIL, USER_PASSWORD

CB = "https://app.example/cb"
OTHER_CB = "https://app.example/other"
# RFC 7636 appendix B.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

CLIENT_FAILED = "Client authentication failed"
INVALID_CLIENT = {"error": "invalid_client", "error_description": CLIENT_FAILED,
                  "message": CLIENT_FAILED}
REQUEST_TEXT = ("The request is missing a required parameter, includes an invalid parameter "
                "value, includes a parameter more than once, or is otherwise malformed.")
GRANT_TEXT = ("The provided authorization grant (e.g., authorization code, resource owner "
              "credentials) or refresh token is invalid, expired, revoked, does not match the "
              "redirection URI used in the authorization request, or was issued to another "
              "client.")
SCOPE_TEXT = "The requested scope is invalid, unknown, or malformed"
GRANT_TYPE_TEXT = "The authorization grant type is not supported by the authorization server."
UNAUTHENTICATED = {"message": "Unauthenticated."}
MISMATCH = {"message": "CSRF token mismatch."}
NO_REQUEST = {"message": "Authorization request was not present in the session."}
WRONG_AUTH_TOKEN = {"message": "The provided auth token for the request is different from the "
                               "session auth token."}
CLIENT_MISSING = {"message": "El cliente no existe."}
TOKEN_MISSING = {"message": "El token no existe."}


def error(code, description, hint=None):
    body = {"error": code, "error_description": description}
    if hint is not None:
        body["hint"] = hint
    body["message"] = description
    return body


def invalid_request(hint):
    return error("invalid_request", REQUEST_TEXT, hint)


def invalid_scope(scope):
    return error("invalid_scope", SCOPE_TEXT, f"Check the `{scope}` scope")


class Flow:
    """A browser signed in as one user, and the clients the cases use."""

    def __init__(self, app, user):
        self.app, self.user = app, user
        self.client = app.test_client()
        with app.app_context():
            self.confidential, self.secret = create_client(
                name="Third party", redirect=f"{CB},{OTHER_CB}")
            self.public, _ = create_client(name="Mobile app", redirect=CB, public=True)
            self.sibling, self.sibling_secret = create_client(name="Sibling", redirect=CB)
            self.password, self.password_secret = create_client(
                name="Scanner", password=True, redirect=CB)
        self.csrf = None

    # --- the browser ---------------------------------------------------------------------
    def sign_in(self):
        page = self.client.get("/login")
        token = re.search(r'name="_token" value="([^"]+)"', page.text).group(1)
        response = self.client.post("/login", data={
            "_token": token, "email": USER_EMAIL, "password": USER_PASSWORD})
        assert response.status_code == 302, response.text
        self.csrf = self.client.get_cookie("XSRF-TOKEN").value
        return self

    def authorize(self, client_id, json=True, **params):
        query = {"response_type": "code", "client_id": client_id, "redirect_uri": CB,
                 "scope": "read", "state": "xyz", **params}
        query = {key: value for key, value in query.items() if value is not None}
        headers = {"Accept": "application/json"} if json else {"Accept": "text/html"}
        return self.client.get("/oauth/authorize", query_string=query, headers=headers)

    def pending(self, client_id=None, **params):
        """The auth_token of a consent page now kept in the session."""
        response = self.authorize(client_id or self.confidential.id, **params)
        assert response.status_code == 200, response.json
        return response.json["auth_token"]

    def approve(self, auth_token, **data):
        return self.client.post("/oauth/authorize", data={
            "_token": self.csrf, "auth_token": auth_token, **data})

    def code(self, client=None, **params):
        client = client or self.confidential
        response = self.approve(self.pending(client.id, **params))
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        return query["code"][0]

    # --- the client app ------------------------------------------------------------------
    def token(self, headers=None, **data):
        data = {key: value for key, value in data.items() if value is not None}
        return self.app.test_client().post("/oauth/token", data=data, headers=headers)

    def exchange(self, code, client=None, secret=None, **data):
        client = client or self.confidential
        if secret is None and client is self.confidential:
            secret = self.secret
        return self.token(**{"grant_type": "authorization_code", "client_id": client.id,
                             "client_secret": secret, "code": code, "redirect_uri": CB,
                             **data})

    def pkce_code(self, method="S256"):
        challenge = CHALLENGE if method == "S256" else VERIFIER
        return self.code(self.public, code_challenge=challenge, code_challenge_method=method)

    # --- the database --------------------------------------------------------------------
    def revoke(self, client):
        with self.app.app_context():
            db.session.execute(sa.update(OAuthClient).where(OAuthClient.id == client.id)
                               .values(revoked=True))
            db.session.commit()

    def expire(self, code):
        with self.app.app_context():
            db.session.execute(sa.update(AuthCode).where(AuthCode.id == code_id(code))
                               .values(expires_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()


@pytest.fixture
def flow(app, user):
    # Some cases sign in and ask for tokens many times; the limits have their own tests.
    app.config["LOGIN_RATE_LIMIT"] = ""
    app.config["OAUTH_TOKEN_RATE_LIMIT"] = ""
    return Flow(app, user)


@pytest.fixture
def signed_in(flow):
    return flow.sign_in()


def basic(client_id, secret):
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


# --- POST /oauth/token -----------------------------------------------------------------------

def _wrong_secret(f):
    return f.token(grant_type="client_credentials", client_id=f.confidential.id,
                   client_secret="not-the-secret")


def _wrong_secret_basic(f):
    return f.token(headers=basic(f.confidential.id, "not-the-secret"),
                   grant_type="client_credentials")


def _wrong_secret_at_exchange(f):
    return f.exchange(f.code(), secret="not-the-secret")


def _unknown_client(f):
    return f.token(grant_type="client_credentials", client_id="999999", client_secret="x")


def _revoked_client(f):
    f.revoke(f.confidential)
    return f.token(grant_type="client_credentials", client_id=f.confidential.id,
                   client_secret=f.secret)


def _revoked_after_approval(f):
    code = f.code()
    f.revoke(f.confidential)
    return f.exchange(code)


def _unregistered_redirect_at_exchange(f):
    return f.exchange(f.code(), redirect_uri="https://evil.example/cb")


def _redirect_mismatch(f):
    # Registered to the client, but not the one the authorization request named.
    return f.exchange(f.code(), redirect_uri=OTHER_CB)


def _missing_redirect(f):
    return f.exchange(f.code(), redirect_uri=None)


def _expired_code(f):
    code = f.code()
    f.expire(code)
    return f.exchange(code)


def _reused_code(f):
    code = f.code()
    assert f.exchange(code).status_code == 200
    return f.exchange(code)


def _code_of_another_client(f):
    return f.exchange(f.code(), client=f.sibling, secret=f.sibling_secret)


def _garbage_code(f):
    return f.exchange("not-a-code-of-ours")


def _missing_code(f):
    return f.exchange(None)


def _bad_verifier(f):
    return f.exchange(f.pkce_code(), client=f.public, code_verifier="x" * 43)


def _bad_plain_verifier(f):
    return f.exchange(f.pkce_code("plain"), client=f.public, code_verifier="y" * 43)


def _missing_verifier(f):
    return f.exchange(f.pkce_code(), client=f.public)


def _malformed_verifier(f):
    return f.exchange(f.pkce_code(), client=f.public, code_verifier="short")


def _verifier_without_challenge(f):
    return f.exchange(f.code(), code_verifier=VERIFIER)


def _unknown_scope_at_token(f):
    return f.token(grant_type="client_credentials", client_id=f.confidential.id,
                   client_secret=f.secret, scope="read bogus")


def _code_grant_for_password_client(f):
    return f.exchange("whatever", client=f.password, secret=f.password_secret)


TOKEN_CASES = [
    pytest.param(_wrong_secret, 401, INVALID_CLIENT, None, id="wrong-secret-in-body"),
    pytest.param(_wrong_secret_basic, 401, INVALID_CLIENT, 'Basic realm="OAuth"',
                 id="wrong-secret-basic"),
    pytest.param(_wrong_secret_at_exchange, 401, INVALID_CLIENT, None,
                 id="wrong-secret-at-code-exchange"),
    pytest.param(_unknown_client, 401, INVALID_CLIENT, None, id="unknown-client"),
    pytest.param(_revoked_client, 401, INVALID_CLIENT, None, id="revoked-client"),
    pytest.param(_revoked_after_approval, 401, INVALID_CLIENT, None,
                 id="client-revoked-between-approval-and-exchange"),
    pytest.param(_code_grant_for_password_client, 401, INVALID_CLIENT, None,
                 id="password-client-uses-authorization-code"),
    pytest.param(_unregistered_redirect_at_exchange, 401, INVALID_CLIENT, None,
                 id="unregistered-redirect-at-exchange"),
    pytest.param(_redirect_mismatch, 400, invalid_request("Invalid redirect URI"), None,
                 id="redirect-mismatch-at-exchange"),
    pytest.param(_missing_redirect, 400, invalid_request("Check the `redirect_uri` parameter"),
                 None, id="missing-redirect-at-exchange"),
    pytest.param(_expired_code, 400, invalid_request("Authorization code has expired"), None,
                 id="expired-code"),
    pytest.param(_reused_code, 400, invalid_request("Authorization code has been revoked"),
                 None, id="reused-code"),
    pytest.param(_code_of_another_client, 400,
                 invalid_request("Authorization code was not issued to this client"), None,
                 id="code-of-another-client"),
    pytest.param(_garbage_code, 400, invalid_request("Cannot decrypt the authorization code"),
                 None, id="garbage-code"),
    pytest.param(_missing_code, 400, invalid_request("Check the `code` parameter"), None,
                 id="missing-code"),
    pytest.param(_bad_verifier, 400,
                 error("invalid_grant", GRANT_TEXT, "Failed to verify `code_verifier`."), None,
                 id="bad-verifier-s256"),
    pytest.param(_bad_plain_verifier, 400,
                 error("invalid_grant", GRANT_TEXT, "Failed to verify `code_verifier`."), None,
                 id="bad-verifier-plain"),
    pytest.param(_missing_verifier, 400, invalid_request("Check the `code_verifier` parameter"),
                 None, id="missing-verifier"),
    pytest.param(_malformed_verifier, 400,
                 invalid_request("Code Verifier must follow the specifications of RFC-7636."),
                 None, id="malformed-verifier"),
    pytest.param(_verifier_without_challenge, 400,
                 invalid_request("code_verifier received when no code_challenge is present"),
                 None, id="verifier-without-challenge"),
    pytest.param(_unknown_scope_at_token, 400, invalid_scope("bogus"), None,
                 id="unknown-scope-at-token"),
]


@pytest.mark.parametrize("action, status, body, www_authenticate", TOKEN_CASES)
def test_token_endpoint_errors(signed_in, action, status, body, www_authenticate):
    response = action(signed_in)

    assert (response.status_code, response.json) == (status, body)
    assert response.headers.get("WWW-Authenticate") == www_authenticate
    assert response.headers["Cache-Control"] == "no-store"


def test_a_reused_code_revokes_what_its_first_exchange_gave(signed_in):
    code = signed_in.code()
    first = signed_in.exchange(code).json
    api = signed_in.app.test_client()
    bearer = {"Authorization": f"Bearer {first['access_token']}"}
    assert api.get("/api/v1/warehouses/getall", headers=bearer).status_code == 200

    assert signed_in.exchange(code).status_code == 400

    response = api.get("/api/v1/warehouses/getall", headers=bearer)
    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)
    response = signed_in.token(grant_type="refresh_token", client_id=signed_in.confidential.id,
                               client_secret=signed_in.secret,
                               refresh_token=first["refresh_token"])
    assert (response.status_code, response.json) == (401, {
        "error": "invalid_request", "error_description": "The refresh token is invalid.",
        "hint": "Token has been revoked", "message": "The refresh token is invalid."})


def test_a_failed_exchange_leaves_the_code_usable_once(signed_in):
    """A wrong secret says nothing about the code: the real client may still exchange it."""
    code = signed_in.code()
    assert signed_in.exchange(code, secret="not-the-secret").status_code == 401
    assert signed_in.exchange(code).status_code == 200


# --- GET /oauth/authorize, answered as JSON ---------------------------------------------------

AUTHORIZE_CASES = [
    pytest.param(lambda f: f.authorize("999999"), 401, INVALID_CLIENT, id="unknown-client"),
    pytest.param(lambda f: f.authorize("abc"), 401, INVALID_CLIENT, id="client-id-not-a-number"),
    pytest.param(lambda f: (f.revoke(f.confidential), f.authorize(f.confidential.id))[1], 401,
                 INVALID_CLIENT, id="revoked-client"),
    pytest.param(lambda f: f.authorize(f.password.id), 401, INVALID_CLIENT,
                 id="password-client"),
    pytest.param(lambda f: f.authorize(f.confidential.id, redirect_uri="https://evil.example/"),
                 401, INVALID_CLIENT, id="unregistered-redirect"),
    pytest.param(lambda f: f.authorize(f.confidential.id, redirect_uri=CB + "/sub"), 401,
                 INVALID_CLIENT, id="redirect-prefix-is-not-a-match"),
    pytest.param(lambda f: f.authorize(f.confidential.id, redirect_uri=None), 401,
                 INVALID_CLIENT, id="no-redirect-and-several-registered"),
    pytest.param(lambda f: f.authorize(f.public.id), 400,
                 invalid_request("Code challenge must be provided for public clients"),
                 id="public-client-without-challenge"),
    pytest.param(lambda f: f.authorize(f.public.id, code_challenge=CHALLENGE,
                                       code_challenge_method="S512"), 400,
                 invalid_request("Code challenge method must be one of `S256`, `plain`"),
                 id="bad-challenge-method"),
    pytest.param(lambda f: f.authorize(f.public.id, code_challenge="too-short",
                                       code_challenge_method="S256"), 400,
                 invalid_request("Code challenge must follow the specifications of RFC-7636."),
                 id="malformed-challenge"),
    pytest.param(lambda f: f.authorize(f.confidential.id, code_challenge="a" * 129), 400,
                 invalid_request("Code challenge must follow the specifications of RFC-7636."),
                 id="challenge-too-long"),
    pytest.param(lambda f: f.authorize(f.confidential.id, response_type="token"), 400,
                 error("unsupported_grant_type", GRANT_TYPE_TEXT,
                       "Check that all required parameters have been provided"),
                 id="unsupported-response-type"),
    pytest.param(lambda f: f.authorize(None), 400,
                 error("unsupported_grant_type", GRANT_TYPE_TEXT,
                       "Check that all required parameters have been provided"),
                 id="missing-client-id"),
]


@pytest.mark.parametrize("action, status, body", AUTHORIZE_CASES)
def test_authorize_errors_answered_as_json(signed_in, action, status, body):
    response = action(signed_in)

    assert (response.status_code, response.json) == (status, body)
    assert "Location" not in response.headers


def test_a_bad_redirect_is_never_followed_even_by_a_browser(signed_in):
    response = signed_in.authorize(signed_in.confidential.id, json=False,
                                   redirect_uri="https://evil.example/", scope="bogus")

    assert (response.status_code, response.json) == (401, INVALID_CLIENT)
    assert "Location" not in response.headers


# --- errors sent back to the client's redirect URI -------------------------------------------

def _deny(f):
    auth_token = f.pending(f.confidential.id)
    return f.client.post("/oauth/authorize", data={
        "_method": "DELETE", "_token": f.csrf, "auth_token": auth_token})


def _deny_with_delete(f):
    auth_token = f.pending(f.confidential.id)
    return f.client.delete("/oauth/authorize", data={"auth_token": auth_token},
                           headers={"X-CSRF-TOKEN": f.csrf})


SCOPE_REDIRECT = {key: [value] for key, value in invalid_scope("bogus").items()}

REDIRECT_CASES = [
    pytest.param(lambda f: f.authorize(f.confidential.id, scope="read bogus"), CB,
                 {**SCOPE_REDIRECT, "state": ["xyz"]}, id="unknown-scope"),
    pytest.param(lambda f: f.authorize(f.confidential.id, scope="bogus", json=False), CB,
                 {**SCOPE_REDIRECT, "state": ["xyz"]}, id="unknown-scope-browser"),
    pytest.param(lambda f: f.authorize(f.confidential.id, scope="bogus", state=None), CB,
                 SCOPE_REDIRECT, id="unknown-scope-without-state"),
    pytest.param(lambda f: f.authorize(f.confidential.id, scope="bogus",
                                       redirect_uri=OTHER_CB), OTHER_CB,
                 {**SCOPE_REDIRECT, "state": ["xyz"]}, id="unknown-scope-other-redirect"),
    pytest.param(_deny, CB, {"error": ["access_denied"], "state": ["xyz"]},
                 id="denied-by-method-field"),
    pytest.param(_deny_with_delete, CB, {"error": ["access_denied"], "state": ["xyz"]},
                 id="denied-by-delete"),
]


@pytest.mark.parametrize("action, target, query", REDIRECT_CASES)
def test_authorize_errors_redirected_to_the_client(signed_in, action, target, query):
    response = action(signed_in)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == target
    assert parse_qs(location.query) == query


# --- approving and denying -------------------------------------------------------------------

def _approve_nothing_pending(f):
    return f.approve("anything")


def _approve_wrong_auth_token(f):
    f.pending()
    return f.approve("not-the-auth-token")


def _approve_missing_auth_token(f):
    f.pending()
    return f.client.post("/oauth/authorize", data={"_token": f.csrf})


def _approve_twice(f):
    auth_token = f.pending()
    assert f.approve(auth_token).status_code == 302
    return f.approve(auth_token)


def _deny_nothing_pending(f):
    return f.client.delete("/oauth/authorize", headers={"X-CSRF-TOKEN": f.csrf})


def _deny_wrong_auth_token(f):
    f.pending()
    return f.client.delete("/oauth/authorize", data={"auth_token": "nope"},
                           headers={"X-CSRF-TOKEN": f.csrf})


def _approve_after_deny(f):
    auth_token = f.pending()
    assert _deny_with_token(f, auth_token).status_code == 302
    return f.approve(auth_token)


def _deny_with_token(f, auth_token):
    return f.client.delete("/oauth/authorize", data={"auth_token": auth_token},
                           headers={"X-CSRF-TOKEN": f.csrf})


def _approve_after_client_revoked(f):
    auth_token = f.pending()
    f.revoke(f.confidential)
    return f.approve(auth_token)


APPROVAL_CASES = [
    pytest.param(_approve_nothing_pending, 400, NO_REQUEST, id="approve-nothing-pending"),
    pytest.param(_approve_wrong_auth_token, 400, WRONG_AUTH_TOKEN, id="approve-wrong-auth-token"),
    pytest.param(_approve_missing_auth_token, 400, WRONG_AUTH_TOKEN,
                 id="approve-missing-auth-token"),
    pytest.param(_approve_twice, 400, NO_REQUEST, id="approve-twice"),
    pytest.param(_approve_after_deny, 400, NO_REQUEST, id="approve-after-deny"),
    pytest.param(_deny_nothing_pending, 400, NO_REQUEST, id="deny-nothing-pending"),
    pytest.param(_deny_wrong_auth_token, 400, WRONG_AUTH_TOKEN, id="deny-wrong-auth-token"),
    pytest.param(_approve_after_client_revoked, 401, INVALID_CLIENT,
                 id="approve-after-client-revoked"),
]


@pytest.mark.parametrize("action, status, body", APPROVAL_CASES)
def test_approval_errors(signed_in, action, status, body):
    response = action(signed_in)

    assert (response.status_code, response.json) == (status, body)
    assert "Location" not in response.headers


# --- CSRF: writes authenticated by the session cookie ----------------------------------------

CSRF_ROUTES = [
    pytest.param("POST", "/oauth/authorize", {"auth_token": "{auth_token}"}, id="approve"),
    pytest.param("DELETE", "/oauth/authorize", {"auth_token": "{auth_token}"}, id="deny"),
    pytest.param("POST", "/oauth/authorize", {"_method": "DELETE", "auth_token": "{auth_token}"},
                 id="deny-by-method-field"),
    pytest.param("POST", "/oauth/token/refresh", {}, id="token-cookie"),
    pytest.param("POST", "/oauth/clients", {"name": "App", "redirect": CB}, id="client-store"),
    pytest.param("PUT", "/oauth/clients/{client_id}", {"name": "App", "redirect": CB},
                 id="client-update"),
    pytest.param("DELETE", "/oauth/clients/{client_id}", {}, id="client-destroy"),
    pytest.param("DELETE", "/oauth/tokens/{token_id}", {}, id="token-destroy"),
    pytest.param("POST", "/oauth/personal-access-tokens", {"name": "CLI"},
                 id="personal-token-store"),
    pytest.param("DELETE", "/oauth/personal-access-tokens/{token_id}", {},
                 id="personal-token-destroy"),
]


@pytest.fixture
def owned(signed_in):
    """A client of the signed-in user, a token of theirs, and a pending authorization."""
    f = signed_in
    with f.app.app_context():
        own, _ = create_client(name="Own app", user_id=f.user.id, redirect=CB)
        issue_tokens(client=f.sibling, user_id=f.user.id, scopes=["read"], refresh=False)
        token_id = db.session.scalar(sa.select(AccessToken.id)
                                     .where(AccessToken.user_id == f.user.id))
    return {"client_id": own.id, "token_id": token_id, "auth_token": f.pending()}


@pytest.mark.parametrize("sent", [None, "wrong", ""], ids=["missing", "wrong", "empty"])
@pytest.mark.parametrize("method, path, data", CSRF_ROUTES)
def test_a_cookie_write_without_its_csrf_token_is_419(signed_in, owned, method, path, data,
                                                      sent):
    f = signed_in
    data = {key: value.format(**owned) for key, value in data.items()}
    headers = {} if sent is None else {"X-CSRF-TOKEN": sent}

    response = f.client.open(path.format(**owned), method=method, data=data, headers=headers)

    assert (response.status_code, response.json) == (419, MISMATCH)
    with f.app.app_context():
        # Nothing was done: the client and the token are still there.
        assert db.session.get(OAuthClient, owned["client_id"]).revoked is False
        assert db.session.get(AccessToken, owned["token_id"]).revoked is False
    # ... and the pending authorization was not used up.
    assert f.approve(owned["auth_token"]).status_code == 302


def test_the_csrf_token_of_a_form_field_counts_only_in_a_form(signed_in, owned):
    response = signed_in.client.post("/oauth/authorize", json={
        "_token": signed_in.csrf, "auth_token": owned["auth_token"]})

    assert (response.status_code, response.json) == (419, MISMATCH)


def test_a_bearer_token_does_not_stand_in_for_the_session_at_authorize(flow, user_auth):
    """/oauth/authorize is a web route (session + CSRF), as in Passport: a bearer token alone
    gets the 419 of the spec's example."""
    response = flow.client.post("/oauth/authorize", headers=user_auth)

    assert (response.status_code, response.json) == (419, MISMATCH)


# --- guests ----------------------------------------------------------------------------------

def test_a_guest_wanting_json_is_401(flow):
    response = flow.authorize(flow.confidential.id)

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


def test_a_guest_browser_is_sent_to_login_and_back(flow):
    response = flow.authorize(flow.confidential.id, json=False)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    back = parse_qs(location.query)["next"]
    assert len(back) == 1
    back = urlsplit(back[0])
    assert back.path == "/oauth/authorize"
    assert parse_qs(back.query) == {
        "response_type": ["code"], "client_id": [str(flow.confidential.id)],
        "redirect_uri": [CB], "scope": ["read"], "state": ["xyz"]}


@pytest.mark.parametrize("method, data", [("POST", {}), ("DELETE", {}),
                                          ("POST", {"_method": "DELETE"})],
                         ids=["approve", "deny", "deny-by-method-field"])
def test_a_guest_with_a_csrf_token_is_401(flow, method, data):
    page = flow.client.get("/login")
    token = re.search(r'name="_token" value="([^"]+)"', page.text).group(1)

    response = flow.client.open("/oauth/authorize", method=method,
                                data={"_token": token, "auth_token": "x", **data})

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


# --- another user's client or token ----------------------------------------------------------

@pytest.fixture
def strangers(app, user):
    """Another user's client and token (the signed-in user is `user`)."""
    with app.app_context():
        other = create_user(name="Other", email="other@store.example", password="other pass")
        client, _ = create_client(name="Other's app", user_id=other.id, redirect=CB)
        issue_tokens(client=client, user_id=other.id, scopes=["read"], refresh=True)
        token_id = db.session.scalar(sa.select(AccessToken.id)
                                     .where(AccessToken.user_id == other.id))
    return {"client_id": client.id, "token_id": token_id}


OWNERSHIP_CASES = [
    pytest.param("PUT", "/oauth/clients/{client_id}", {"name": "Mine", "redirect": CB},
                 CLIENT_MISSING, id="update-another-users-client"),
    pytest.param("DELETE", "/oauth/clients/{client_id}", None, CLIENT_MISSING,
                 id="destroy-another-users-client"),
    pytest.param("DELETE", "/oauth/tokens/{token_id}", None, TOKEN_MISSING,
                 id="revoke-another-users-token"),
    pytest.param("DELETE", "/oauth/personal-access-tokens/{token_id}", None, None,
                 id="revoke-another-users-token-as-personal"),
]


@pytest.mark.parametrize("method, path, data, body", OWNERSHIP_CASES)
def test_another_users_client_or_token_is_404(app, client, user_auth, strangers, method, path,
                                              data, body):
    response = client.open(path.format(**strangers), method=method, json=data,
                           headers=user_auth)

    assert response.status_code == 404
    if body is not None:
        assert response.json == body
    with app.app_context():
        stored = db.session.get(OAuthClient, strangers["client_id"])
        assert (stored.name, stored.revoked) == ("Other's app", False)
        assert db.session.get(AccessToken, strangers["token_id"]).revoked is False
