"""The web UI's token cookie: POST /oauth/token/refresh, and the bearer guard taking the cookie
with its CSRF header in place of a bearer token (Passport's `laravel_token`)."""
import re

import pytest
from itsdangerous.timed import TimestampSigner

from wms.extensions import db
from wms.models import User
from wms.services.clients import create_client

from tests.conftest import USER_EMAIL, USER_PASSWORD

UNAUTHENTICATED = {"message": "Unauthenticated."}
MISMATCH = {"message": "CSRF token mismatch."}
API = "/api/v1/warehouses/getall"
COOKIE = "laravel_token"


def _form_token(client):
    page = client.get("/login")
    return re.search(r'name="_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def csrf(app, client, user):
    """Sign `client` in as `user`; the session's CSRF token after sign-in."""
    app.config["LOGIN_RATE_LIMIT"] = ""
    response = client.post("/login", data={
        "_token": _form_token(client), "email": USER_EMAIL, "password": USER_PASSWORD})
    assert response.status_code == 302
    return client.get_cookie("XSRF-TOKEN").value


@pytest.fixture
def cookie(client, csrf):
    """The response of POST /oauth/token/refresh (the cookie is now in `client`'s jar)."""
    response = client.post("/oauth/token/refresh", headers={"X-CSRF-TOKEN": csrf})
    assert response.status_code == 200, response.text
    return response


def _set_cookie(response, name=COOKIE):
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert len(found) == 1, response.headers
    return found[0]


def _attributes(set_cookie):
    parts = [p.strip() for p in set_cookie.split(";")[1:]]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1) + [True])[1] for p in parts}


def test_refresh_sets_an_httponly_lax_cookie(app, cookie):
    assert cookie.text == "Refreshed."
    assert cookie.headers["Cache-Control"] == "no-store"
    attributes = _attributes(_set_cookie(cookie))

    assert attributes["httponly"] is True
    assert attributes["samesite"] == "Lax"
    assert attributes["max-age"] == str(app.config["TOKEN_COOKIE_LIFETIME"])
    assert attributes["path"] == "/"
    assert "secure" not in attributes


def test_the_cookie_is_secure_when_the_session_cookie_is(app, client, csrf):
    app.config["SESSION_COOKIE_SECURE"] = True

    response = client.post("/oauth/token/refresh", headers={"X-CSRF-TOKEN": csrf},
                           base_url="https://localhost")

    assert response.status_code == 200
    assert _attributes(_set_cookie(response))["secure"] is True


@pytest.mark.parametrize("header", ["X-XSRF-TOKEN", "X-CSRF-TOKEN"])
def test_the_cookie_with_its_csrf_header_reads_the_api(client, csrf, cookie, header):
    response = client.get(API, headers={header: csrf})

    assert response.status_code == 200, response.json
    assert response.json["data"] == []


def test_the_cookie_with_its_csrf_header_writes_the_api(client, csrf, cookie, demo):
    response = client.post("/api/v1/warehouses/store", json={"name": "Bodega2", "store_id": 1},
                           headers={"X-XSRF-TOKEN": csrf})

    assert response.status_code == 201, response.json
    assert response.json["name"] == "Bodega2"


@pytest.mark.parametrize("headers", [{}, {"X-CSRF-TOKEN": "wrong"}, {"X-XSRF-TOKEN": ""},
                                     {"X-CSRF-TOKEN": "wrong", "X-XSRF-TOKEN": "{csrf}"}],
                         ids=["no-header", "wrong-header", "empty-header",
                              "csrf-header-wins-over-xsrf"])
def test_the_cookie_without_its_csrf_header_is_401(client, csrf, cookie, headers):
    headers = {key: value.format(csrf=csrf) for key, value in headers.items()}

    response = client.get(API, headers=headers)

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


def test_an_expired_cookie_is_401(app, client, csrf, cookie, monkeypatch):
    lifetime = app.config["TOKEN_COOKIE_LIFETIME"]
    made = TimestampSigner.get_timestamp(None)

    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: made + lifetime - 1)
    assert client.get(API, headers={"X-CSRF-TOKEN": csrf}).status_code == 200

    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: made + lifetime + 2)
    response = client.get(API, headers={"X-CSRF-TOKEN": csrf})
    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


def test_a_shorter_lifetime_applies_to_cookies_already_made(app, client, csrf, cookie):
    app.config["TOKEN_COOKIE_LIFETIME"] = -1

    response = client.get(API, headers={"X-CSRF-TOKEN": csrf})

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


@pytest.mark.parametrize("tamper", [
    lambda value: value[:-2] + ("AA" if not value.endswith("AA") else "BB"),
    lambda value: "x" + value,
    lambda value: "",
    lambda value: "not-a-cookie",
], ids=["signature", "payload", "empty", "garbage"])
def test_a_tampered_cookie_is_401(client, csrf, cookie, tamper):
    value = client.get_cookie(COOKIE).value
    client.set_cookie(COOKIE, tamper(value))

    response = client.get(API, headers={"X-CSRF-TOKEN": csrf})

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


def test_a_cookie_signed_with_another_key_is_401(app, client, csrf, cookie, config_class):
    from wms import create_app

    class OtherKey(config_class):
        SECRET_KEY = "another-secret-key-of-forty-characters-x"

    other = create_app(OtherKey).test_client()
    other.set_cookie(COOKIE, client.get_cookie(COOKIE).value)

    response = other.get(API, headers={"X-CSRF-TOKEN": csrf})

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


def test_logout_deletes_the_cookie(client, csrf, cookie):
    response = client.post("/logout", data={"_token": csrf})

    assert response.status_code == 302
    deleted = _attributes(_set_cookie(response))
    assert deleted["max-age"] == "0"
    assert deleted["httponly"] is True
    assert client.get_cookie(COOKIE) is None
    response = client.get(API, headers={"X-CSRF-TOKEN": csrf})
    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


def test_the_cookie_of_a_deleted_user_is_401(app, client, user, csrf, cookie):
    with app.app_context():
        db.session.delete(db.session.get(User, user.id))
        db.session.commit()

    response = client.get(API, headers={"X-CSRF-TOKEN": csrf})

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


def test_a_bearer_header_wins_over_the_cookie(client, csrf, cookie):
    response = client.get(API, headers={"X-CSRF-TOKEN": csrf,
                                        "Authorization": "Bearer not-a-token"})

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


def test_a_bearer_tokens_scopes_apply_even_with_a_cookie(app, client, csrf, cookie, user_token,
                                                         demo):
    """A `read` token cannot write, whatever cookie came along with it."""
    with app.app_context():
        reader, secret = create_client(name="Reader")
    app.config["OAUTH_TOKEN_RATE_LIMIT"] = ""
    token = app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": reader.id, "client_secret": secret,
        "scope": "read"}).json["access_token"]

    response = client.post("/api/v1/warehouses/store", json={"name": "B2", "store_id": 1},
                           headers={"X-CSRF-TOKEN": csrf, "Authorization": f"Bearer {token}"})

    assert (response.status_code, response.json) == (403, {
        "message": "Invalid scope(s) provided."})


def test_refresh_without_csrf_is_419_even_with_a_bearer_token(client, csrf, user_auth):
    response = client.post("/oauth/token/refresh", headers=user_auth)

    assert (response.status_code, response.json) == (419, MISMATCH)
    assert COOKIE not in response.headers.get("Set-Cookie", "")


def test_refresh_with_a_wrong_csrf_token_is_419(client, csrf):
    response = client.post("/oauth/token/refresh", headers={"X-CSRF-TOKEN": "wrong"})

    assert (response.status_code, response.json) == (419, MISMATCH)


def test_refresh_without_a_session_is_419(client, user_auth):
    """No session, no CSRF token to match: the spec's example (a bearer token alone)."""
    response = client.post("/oauth/token/refresh", headers=user_auth)

    assert (response.status_code, response.json) == (419, MISMATCH)


def test_refresh_as_a_guest_with_a_csrf_token_is_401(client):
    token = _form_token(client)

    response = client.post("/oauth/token/refresh", headers={"X-CSRF-TOKEN": token})

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)
    assert COOKIE not in response.headers.get("Set-Cookie", "")


def test_the_cookie_alone_does_not_sign_anyone_in(client, csrf, cookie):
    """The token cookie is for /api/v1; it is no session: a guest's browser keeps being a guest
    on the consent page."""
    client.post("/logout", data={"_token": csrf})
    client.set_cookie(COOKIE, _set_cookie(cookie).split(";")[0].split("=", 1)[1])

    response = client.get("/oauth/authorize", query_string={"client_id": "1"},
                          headers={"Accept": "application/json"})

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)


@pytest.mark.parametrize("method, path, body", [
    ("post", "/oauth/personal-access-tokens", {"name": "from the cookie"}),
    ("post", "/oauth/clients", {"name": "from the cookie", "redirect": "https://a.example/cb"}),
    ("get", "/oauth/tokens", None),
])
def test_the_cookie_makes_no_tokens_and_no_clients(client, csrf, cookie, method, path, body):
    """A copy of the fifteen-minute cookie must not become a year-long token: the routes where
    people manage tokens and clients take the session or a bearer token, not the cookie."""
    value = _set_cookie(cookie).split(";")[0].split("=", 1)[1]
    client.post("/logout", data={"_token": csrf})
    client.set_cookie(COOKIE, value)

    response = getattr(client, method)(path, json=body, headers={"X-CSRF-TOKEN": csrf})

    assert (response.status_code, response.json) == (401, UNAUTHENTICATED)
