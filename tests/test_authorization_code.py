"""The authorization-code flow end to end: sign-in, consent, approve or deny, the code exchange
with and without PKCE, and what the tokens it gives may do."""
import base64
import hashlib
import json
import re
from html import unescape
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken, AuthCode
from wms.models.base import utcnow
from wms.services.auth_codes import code_id
from wms.services.clients import create_client

from tests.conftest import USER_EMAIL, USER_PASSWORD

REDIRECT = "https://app.example/callback"
VERIFIER = "v3ry-l0ng.verifier~" + "x" * 40


def s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hidden(html, name):
    return unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


def sign_in(client):
    page = client.get("/login")
    response = client.post("/login", data={"_token": hidden(page.text, "_token"),
                                           "email": USER_EMAIL, "password": USER_PASSWORD})
    assert response.status_code == 302


def query(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def third_party(app):
    """A confidential third-party app: (client, secret)."""
    with app.app_context():
        return create_client(name="Shop dashboard", redirect=REDIRECT)


@pytest.fixture
def public_app(app):
    with app.app_context():
        client, _ = create_client(name="Phone app", redirect=REDIRECT, public=True)
        return client


def authorize_url(app_client, **extra):
    params = {"client_id": app_client.id, "response_type": "code", "redirect_uri": REDIRECT,
              "scope": "read", "state": "st4te", **extra}
    return "/oauth/authorize?" + "&".join(f"{k}={v}" for k, v in params.items())


def consent(client, app_client, **extra):
    """Sign in (if needed) and open the consent page; return the page."""
    page = client.get(authorize_url(app_client, **extra))
    assert page.status_code == 200, page.data
    return page


def approve(client, page):
    return client.post("/oauth/authorize", data={
        "_token": hidden(page.text, "_token"), "auth_token": hidden(page.text, "auth_token")})


def get_code(client, app_client, **extra):
    sign_in(client)
    response = approve(client, consent(client, app_client, **extra))
    assert response.status_code == 302
    return query(response.headers["Location"])["code"]


def exchange(client, app_client, code, secret=None, **extra):
    data = {"grant_type": "authorization_code", "client_id": app_client.id, "code": code,
            "redirect_uri": REDIRECT, **extra}
    if secret:
        data["client_secret"] = secret
    return client.post("/oauth/token", data=data)


# --- Sign-in and the consent page ----------------------------------------------------------

def test_a_guests_browser_is_sent_to_sign_in_and_back(client, user, third_party):
    app_client, _ = third_party
    url = authorize_url(app_client)

    response = client.get(url)

    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == "/login"
    assert query(location)["next"] == url
    # The sign-in form carries the way back, and signing in follows it.
    page = client.get(location)
    assert hidden(page.text, "next") == url
    signed_in = client.post("/login", data={
        "_token": hidden(page.text, "_token"), "next": hidden(page.text, "next"),
        "email": USER_EMAIL, "password": USER_PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == url


def test_a_guest_who_wants_json_gets_401(client, third_party):
    app_client, _ = third_party

    response = client.get(authorize_url(app_client), headers={"Accept": "application/json"})

    assert response.status_code == 401
    assert response.json == {"message": "Unauthenticated."}


def test_a_bearer_token_signs_nobody_in_to_the_consent_page(client, user_auth, third_party):
    app_client, _ = third_party

    response = client.get(authorize_url(app_client),
                          headers={**user_auth, "Accept": "application/json"})

    assert response.status_code == 401


def test_the_consent_page_names_the_client_the_user_and_the_scopes(client, user, third_party):
    app_client, _ = third_party
    sign_in(client)

    page = consent(client, app_client, scope="read%20write")

    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "Shop dashboard" in page.text
    assert USER_EMAIL in page.text
    assert "Read warehouse data" in page.text
    assert "Read and change warehouse data" in page.text
    assert 'name="_method" value="DELETE"' in page.text


def test_the_client_name_is_escaped_on_the_consent_page(app, client, user):
    with app.app_context():
        app_client, _ = create_client(name="<script>alert(1)</script>", redirect=REDIRECT)
    sign_in(client)

    page = consent(client, app_client)

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_a_json_caller_gets_what_the_page_would_show(client, user, third_party):
    app_client, _ = third_party
    sign_in(client)

    response = client.get(authorize_url(app_client, scope="read%20write"),
                          headers={"Accept": "application/json"})

    assert response.status_code == 200
    body = response.json
    assert body["client"] == {"id": app_client.id, "name": "Shop dashboard"}
    assert body["scopes"] == [{"id": "read", "description": "Read warehouse data"},
                              {"id": "write", "description": "Read and change warehouse data"}]
    assert body["state"] == "st4te"
    # ... and the auth_token approves it, with the CSRF header.
    approved = client.post("/oauth/authorize", json={"auth_token": body["auth_token"]},
                           headers={"X-XSRF-TOKEN": client.get_cookie("XSRF-TOKEN").value})
    assert approved.status_code == 302
    assert "code" in query(approved.headers["Location"])


# --- Approve and deny ------------------------------------------------------------------------

def test_approving_redirects_with_a_code_and_the_state(client, user, third_party):
    app_client, _ = third_party
    sign_in(client)

    response = approve(client, consent(client, app_client))

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    params = query(location)
    assert set(params) == {"code", "state"}
    assert params["state"] == "st4te"
    assert len(params["code"]) >= 40


def test_only_the_hash_of_a_code_is_stored(app, client, user, third_party):
    app_client, _ = third_party
    code = get_code(client, app_client)

    with app.app_context():
        row = db.session.scalars(sa.select(AuthCode)).one()
        assert row.id == code_id(code) != code
        assert row.user_id == user.id and row.client_id == app_client.id
        assert row.scopes == ["read"] and row.revoked is False
        assert row.redirect_uri == REDIRECT
        lifetime = (row.expires_at - row.created_at).total_seconds()
        assert 599 <= lifetime <= 601


def test_denying_redirects_with_access_denied(client, user, third_party):
    app_client, _ = third_party
    sign_in(client)
    page = consent(client, app_client)

    response = client.delete("/oauth/authorize", data={
        "_token": hidden(page.text, "_token"), "auth_token": hidden(page.text, "auth_token")})

    assert response.status_code == 302
    assert response.headers["Location"] == f"{REDIRECT}?error=access_denied&state=st4te"


def test_the_deny_form_posts_method_delete(app, client, user, third_party):
    app_client, _ = third_party
    sign_in(client)
    page = consent(client, app_client)

    response = client.post("/oauth/authorize", data={
        "_method": "DELETE", "_token": hidden(page.text, "_token"),
        "auth_token": hidden(page.text, "auth_token")})

    assert response.status_code == 302
    assert query(response.headers["Location"]) == {"error": "access_denied", "state": "st4te"}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthCode)) == 0


def test_without_a_redirect_uri_the_code_goes_to_the_only_one(client, user, third_party):
    app_client, secret = third_party
    sign_in(client)
    page = client.get(f"/oauth/authorize?client_id={app_client.id}&response_type=code")

    response = approve(client, page)

    assert response.headers["Location"].startswith(REDIRECT + "?code=")
    # The exchange needs no redirect_uri either, since the request named none.
    code = query(response.headers["Location"])["code"]
    token = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "client_id": app_client.id,
        "client_secret": secret, "code": code})
    assert token.status_code == 200, token.json


def test_a_request_is_answered_once(client, user, third_party):
    app_client, _ = third_party
    sign_in(client)
    page = consent(client, app_client)
    assert approve(client, page).status_code == 302

    again = approve(client, page)

    assert again.status_code == 400
    assert again.json == {"message": "Authorization request was not present in the session."}


def test_a_client_the_user_already_approved_is_not_asked_again(client, user, third_party):
    app_client, secret = third_party
    assert exchange(client, app_client, get_code(client, app_client), secret).status_code == 200

    response = client.get(authorize_url(app_client))

    assert response.status_code == 302
    assert "code" in query(response.headers["Location"])
    # Other scopes are asked for again.
    assert client.get(authorize_url(app_client, scope="write")).status_code == 200


# --- The exchange ----------------------------------------------------------------------------

def test_exchanging_a_code_gives_passports_token_response(app, client, user, third_party):
    app_client, secret = third_party

    response = exchange(client, app_client, get_code(client, app_client), secret)

    assert response.status_code == 200, response.json
    body = response.json
    assert list(body) == ["token_type", "expires_in", "access_token", "refresh_token"]
    assert body["token_type"] == "Bearer"
    with app.app_context():
        token = db.session.scalars(sa.select(AccessToken)).one()
        assert (token.user_id, token.client_id) == (user.id, app_client.id)
        assert token.scopes == ["read"]
        assert db.session.scalars(sa.select(AuthCode)).one().access_token_id == token.id


def test_the_token_reads_but_may_not_write_with_scope_read(client, user, demo, third_party):
    app_client, secret = third_party
    body = exchange(client, app_client, get_code(client, app_client), secret).json
    auth = {"Authorization": f"Bearer {body['access_token']}"}

    assert client.get("/api/v1/warehouses/getall", headers=auth).status_code == 200
    denied = client.post("/api/v1/warehouses/store", headers=auth,
                         json={"name": "Annex", "store_id": 1})
    assert denied.status_code == 403
    assert denied.json == {"message": "Invalid scope(s) provided."}


def test_the_token_is_listed_among_the_users_tokens_with_its_client(client, user, user_auth,
                                                                    third_party):
    app_client, secret = third_party
    exchange(client, app_client, get_code(client, app_client), secret)

    tokens = client.get("/oauth/tokens", headers=user_auth).json

    assert [t["client"]["name"] for t in tokens if t["client_id"] == app_client.id] == [
        "Shop dashboard"]


def test_the_refresh_token_rotates(client, user, third_party):
    app_client, secret = third_party
    first = exchange(client, app_client, get_code(client, app_client), secret).json

    refreshed = client.post("/oauth/token", data={
        "grant_type": "refresh_token", "client_id": app_client.id, "client_secret": secret,
        "refresh_token": first["refresh_token"]})

    assert refreshed.status_code == 200
    assert client.get("/api/v1/warehouses/getall", headers={
        "Authorization": f"Bearer {first['access_token']}"}).status_code == 401
    assert client.get("/api/v1/warehouses/getall", headers={
        "Authorization": f"Bearer {refreshed.json['access_token']}"}).status_code == 200


def test_a_reused_code_revokes_what_it_gave_even_after_a_refresh(client, user, third_party):
    app_client, secret = third_party
    code = get_code(client, app_client)
    first = exchange(client, app_client, code, secret).json
    refreshed = client.post("/oauth/token", data={
        "grant_type": "refresh_token", "client_id": app_client.id, "client_secret": secret,
        "refresh_token": first["refresh_token"]}).json

    again = exchange(client, app_client, code, secret)

    assert again.status_code == 400
    assert again.json["hint"] == "Authorization code has been revoked"
    assert client.get("/api/v1/warehouses/getall", headers={
        "Authorization": f"Bearer {refreshed['access_token']}"}).status_code == 401
    assert client.post("/oauth/token", data={
        "grant_type": "refresh_token", "client_id": app_client.id, "client_secret": secret,
        "refresh_token": refreshed["refresh_token"]}).status_code == 401


def test_the_secret_may_come_by_basic_auth(client, user, third_party):
    app_client, secret = third_party
    code = get_code(client, app_client)
    basic = base64.b64encode(f"{app_client.id}:{secret}".encode()).decode()

    response = client.post("/oauth/token", headers={"Authorization": f"Basic {basic}"}, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})

    assert response.status_code == 200, response.json


def test_a_json_body_works_too(client, user, third_party):
    app_client, secret = third_party
    code = get_code(client, app_client)

    response = client.post("/oauth/token", json={
        "grant_type": "authorization_code", "client_id": app_client.id,
        "client_secret": secret, "code": code, "redirect_uri": REDIRECT})

    assert response.status_code == 200, response.json


# --- PKCE ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method,challenge", [("S256", s256(VERIFIER)), ("plain", VERIFIER)])
def test_pkce_with_either_method(client, user, third_party, method, challenge):
    app_client, secret = third_party
    code = get_code(client, app_client, code_challenge=challenge, code_challenge_method=method)

    assert exchange(client, app_client, code, secret, code_verifier="w" * 43).status_code == 400
    # A failed verification does not use the code up.
    response = exchange(client, app_client, code, secret, code_verifier=VERIFIER)
    assert response.status_code == 200, response.json


def test_plain_is_the_default_method(app, client, user, third_party):
    app_client, secret = third_party
    code = get_code(client, app_client, code_challenge=VERIFIER)

    with app.app_context():
        assert db.session.get(AuthCode, code_id(code)).code_challenge_method == "plain"
    assert exchange(client, app_client, code, secret,
                    code_verifier=VERIFIER).status_code == 200


def test_a_public_client_uses_pkce_without_a_secret(client, user, public_app):
    code = get_code(client, public_app, code_challenge=s256(VERIFIER),
                    code_challenge_method="S256")

    response = exchange(client, public_app, code, code_verifier=VERIFIER)

    assert response.status_code == 200, response.json
    assert "refresh_token" in response.json


def test_a_public_client_must_send_a_challenge(client, user, public_app):
    sign_in(client)

    response = client.get(authorize_url(public_app))

    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json["hint"] == "Code challenge must be provided for public clients"


# --- Which clients -------------------------------------------------------------------------

def test_first_party_clients_cannot_exchange_codes(app, client, user, third_party):
    app_client, _ = third_party
    code = get_code(client, app_client)
    with app.app_context():
        password_client, secret = create_client(name="Scanner", password=True)

    response = exchange(client, password_client, code, secret)

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_a_revoked_clients_pending_request_gives_no_code(app, client, user, third_party):
    app_client, _ = third_party
    sign_in(client)
    page = consent(client, app_client)
    client.delete(f"/oauth/clients/{app_client.id}")  # not the user's: nothing happens
    with app.app_context():
        db.session.execute(sa.text("UPDATE oauth_clients SET revoked = :t WHERE id = :id"),
                           {"t": True, "id": app_client.id})
        db.session.commit()

    response = approve(client, page)

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


# --- Command line and metadata ---------------------------------------------------------------

def test_create_client_with_redirect_makes_a_third_party_client(app, client, runner, user):
    result = runner.invoke(args=["oauth", "create-client", "--name", "Dashboard", "--redirect",
                                 REDIRECT, "--redirect", "https://other.example/cb", "--json"])

    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert made["client_secret"]
    sign_in(client)
    page = client.get(f"/oauth/authorize?client_id={made['client_id']}&response_type=code"
                      "&redirect_uri=https://other.example/cb")
    assert page.status_code == 200, page.headers.get("Location")


def test_create_client_public_with_redirect_has_no_secret(runner):
    result = runner.invoke(args=["oauth", "create-client", "--name", "Phone", "--redirect",
                                 REDIRECT, "--public", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["client_secret"] is None


@pytest.mark.parametrize("args,message", [
    (["--redirect", "not a url"], "Not a valid URL"),
    (["--redirect", REDIRECT, "--password"], "--redirect is for third-party apps"),
    (["--redirect", REDIRECT, "--personal"], "--redirect is for third-party apps"),
    (["--client-credentials", "--public"], "--public goes with --password or --redirect"),
    ([], "Say what kind of client"),
])
def test_create_client_refuses_bad_combinations(runner, args, message):
    result = runner.invoke(args=["oauth", "create-client", "--name", "X", *args])

    assert result.exit_code == 2
    assert message in result.output


def test_purge_deletes_expired_codes_and_keeps_live_ones(app, client, runner, user,
                                                         third_party):
    app_client, _ = third_party
    expired = get_code(client, app_client)
    live = get_code(client, app_client, scope="write")
    with app.app_context():
        db.session.get(AuthCode, code_id(expired)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    result = runner.invoke(args=["oauth", "purge", "--json"])

    assert json.loads(result.output)["auth_codes"] == 1
    with app.app_context():
        assert db.session.scalars(sa.select(AuthCode.id)).all() == [code_id(live)]


def test_metadata_names_the_authorization_endpoint(client):
    body = client.get("/.well-known/oauth-authorization-server").json

    assert body["authorization_endpoint"] == "http://localhost/oauth/authorize"
    assert "authorization_code" in body["grant_types_supported"]
    assert body["code_challenge_methods_supported"] == ["S256", "plain"]


@pytest.mark.parametrize("parameter,value", [("state", "s" * 1025),
                                             ("scope", " ".join(["read"] * 60))])
def test_an_oversized_request_is_refused_before_it_reaches_the_session(client, user,
                                                                       third_party, parameter,
                                                                       value):
    app_client, _ = third_party
    sign_in(client)

    response = client.get(authorize_url(app_client, **{parameter: value}))

    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json["hint"] == f"Check the `{parameter}` parameter"


@pytest.mark.parametrize("how", ["json", "header", "query"])
def test_every_way_of_saying_delete_denies(client, user, third_party, how):
    app_client, _ = third_party
    sign_in(client)
    page = consent(client, app_client)
    csrf = {"X-CSRF-TOKEN": hidden(page.text, "_token")}
    body = {"auth_token": hidden(page.text, "auth_token")}
    if how == "json":
        response = client.post("/oauth/authorize", json={**body, "_method": "DELETE"},
                               headers=csrf)
    elif how == "header":
        response = client.post("/oauth/authorize", json=body,
                               headers={**csrf, "X-HTTP-Method-Override": "DELETE"})
    else:
        response = client.post("/oauth/authorize?_method=delete", data=body, headers=csrf)

    assert response.status_code == 302
    assert query(response.headers["Location"]) == {"error": "access_denied", "state": "st4te"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("answer", ["approve", "deny"])
def test_a_redirect_uri_removed_meanwhile_is_not_followed(app, client, user, third_party,
                                                          answer):
    app_client, _ = third_party
    sign_in(client)
    page = consent(client, app_client)
    with app.app_context():
        db.session.execute(sa.text("UPDATE oauth_clients SET redirect = :r WHERE id = :id"),
                           {"r": "https://elsewhere.example/cb", "id": app_client.id})
        db.session.commit()
    data = {"_token": hidden(page.text, "_token"), "auth_token": hidden(page.text, "auth_token")}
    if answer == "deny":
        data["_method"] = "DELETE"

    response = client.post("/oauth/authorize", data=data)

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert "Location" not in response.headers


def test_the_session_cookie_stays_small_with_the_largest_request(app, user, client):
    long_uri = "https://app.example/" + "p" * 1950
    with app.app_context():
        app_client, _ = create_client(name="Long", redirect=long_uri)
    sign_in(client)

    page = client.get(authorize_url(app_client, redirect_uri=long_uri, state="\u4e2d" * 170,
                                    scope="read%20write%20users",
                                    code_challenge=s256(VERIFIER),
                                    code_challenge_method="S256"))

    assert page.status_code == 200
    assert len(client.get_cookie("session").value) < 3000


def test_a_parameter_sent_twice_is_refused(client, user, third_party):
    app_client, _ = third_party
    sign_in(client)

    response = client.get(authorize_url(app_client) + "&redirect_uri=https://evil.example/")

    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert "Location" not in response.headers


def test_a_huge_client_id_is_unknown_not_an_error(client, user):
    sign_in(client)
    huge = "0" * 5000 + "1"

    assert client.get(f"/oauth/authorize?client_id={huge}&response_type=code").status_code == 401
    assert client.post("/oauth/token", data={"grant_type": "client_credentials",
                                             "client_id": huge, "client_secret": "x"}
                       ).status_code == 401


def test_the_code_redirect_is_not_cached(client, user, third_party):
    app_client, _ = third_party
    sign_in(client)

    response = approve(client, consent(client, app_client))

    assert response.headers["Cache-Control"] == "no-store"
