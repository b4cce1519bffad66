"""POST /oauth/token with the client-credentials grant, answering as Passport 7 did."""
import base64
import json
import re
import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken, OAuthClient
from wms.keys import key_ring

TOKEN_URL = "/oauth/token"
WAREHOUSES_URL = "/api/v1/warehouses/getall"
CC = "client_credentials"
YEAR = 31536000

INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed",
    "message": "Client authentication failed",
}
UNSUPPORTED_GRANT_TYPE = {
    "error": "unsupported_grant_type",
    "error_description":
        "The authorization grant type is not supported by the authorization server.",
    "hint": "Check that all required parameters have been provided",
    "message": "The authorization grant type is not supported by the authorization server.",
}
INVALID_REQUEST_DESCRIPTION = (
    "The request is missing a required parameter, includes an invalid parameter value, "
    "includes a parameter more than once, or is otherwise malformed."
)
MISSING_CLIENT_ID = {
    "error": "invalid_request",
    "error_description": INVALID_REQUEST_DESCRIPTION,
    "hint": "Check the `client_id` parameter",
    "message": INVALID_REQUEST_DESCRIPTION,
}
INVALID_SCOPE = {
    "error": "invalid_scope",
    "error_description": "The requested scope is invalid, unknown, or malformed",
    "hint": "Check the `admin` scope",
    "message": "The requested scope is invalid, unknown, or malformed",
}


def basic(client_id, secret):
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


def decode_segment(segment):
    """A JWT segment's JSON, read with base64 only (verification is the guard's business)."""
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def jwt_parts(token):
    header, claims, _signature = token.split(".")
    return decode_segment(header), decode_segment(claims)


def token_rows(app):
    with app.app_context():
        return db.session.scalars(sa.select(AccessToken)).all()


def all_stored_values(app):
    """Every value of every row of every table."""
    with app.app_context():
        return [value for table in db.metadata.sorted_tables
                for row in db.session.execute(sa.select(table))
                for value in row]


def add_client(app, **columns):
    values = {"name": "Other", "secret": None, "redirect": "", "personal_access_client": False,
              "password_client": False, "revoked": False, **columns}
    with app.app_context():
        client = OAuthClient(**values)
        db.session.add(client)
        db.session.commit()
        return client.id


# How a client may send its credentials: (client id, secret) -> keyword arguments of post().
def in_form(client_id, secret):
    return {"data": {"grant_type": CC, "client_id": client_id, "client_secret": secret}}


def in_json_with_numeric_id(client_id, secret):
    return {"json": {"grant_type": CC, "client_id": client_id, "client_secret": secret}}


def in_json_with_string_id(client_id, secret):
    return {"json": {"grant_type": CC, "client_id": str(client_id), "client_secret": secret}}


def in_basic_auth(client_id, secret):
    return {"data": {"grant_type": CC}, "headers": basic(client_id, secret)}


def in_query_string_but_the_secret(client_id, secret):
    """Every parameter but the credential may come in the query (DESIGN 4's merge)."""
    return {"query_string": {"grant_type": CC, "client_id": client_id},
            "data": {"client_secret": secret}}


@pytest.fixture
def credentials(oauth_client):
    client_row, secret = oauth_client
    return client_row.id, secret


# Success


@pytest.mark.parametrize("send", [in_form, in_json_with_numeric_id, in_json_with_string_id,
                                  in_basic_auth, in_query_string_but_the_secret])
def test_client_credentials_issue_a_bearer_token(app, client, credentials, send):
    response = client.post(TOKEN_URL, **send(*credentials))

    assert response.status_code == 200, response.json
    body = response.json
    assert list(body) == ["token_type", "expires_in", "access_token"]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == YEAR == app.config["ACCESS_TOKEN_LIFETIME"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    assert len(token_rows(app)) == 1


def test_the_trailing_slash_is_optional(client, credentials):
    response = client.post(TOKEN_URL + "/", **in_form(*credentials))

    assert response.status_code == 200, response.json


def test_the_access_token_is_a_passport_jwt(app, client, credentials):
    before = int(time.time())
    token = client.post(TOKEN_URL, **in_form(*credentials)).json["access_token"]
    after = int(time.time())

    header, claims = jwt_parts(token)
    assert re.fullmatch(r"[0-9a-f]{80}", header["jti"])
    with app.app_context():
        kid = key_ring().kid
    assert header == {"typ": "JWT", "alg": "RS256", "jti": header["jti"], "kid": kid}
    assert list(claims) == ["aud", "jti", "iat", "nbf", "exp", "sub", "scopes"]
    assert claims["aud"] == str(credentials[0])
    assert claims["jti"] == header["jti"]
    for name in ("iat", "nbf", "exp"):
        assert type(claims[name]) is int
    assert before <= claims["iat"] <= after
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == app.config["ACCESS_TOKEN_LIFETIME"]
    assert claims["sub"] == ""
    assert claims["scopes"] == []


def test_only_the_jti_is_stored(app, client, credentials):
    token = client.post(TOKEN_URL, **in_form(*credentials)).json["access_token"]
    _, claims = jwt_parts(token)

    [row] = token_rows(app)
    assert row.id == claims["jti"]
    assert row.revoked is False
    assert row.client_id == credentials[0]
    assert row.user_id is None
    assert row.expires_at == datetime.fromtimestamp(claims["exp"], timezone.utc).replace(
        tzinfo=None)
    assert not [value for value in all_stored_values(app)
                if isinstance(value, str) and token in value]


@pytest.mark.parametrize("send_scope", [
    lambda params: {"data": {**params, "scope": "read write"}},
    lambda params: {"json": {**params, "scope": "read write"}},
    lambda params: {"json": {**params, "scope": ["read", "write"]}},
    lambda params: {"data": {**params, "scope[]": ["read", "write"]}},
    lambda params: {"query_string": {"scope[]": ["read", "write"]}, "data": params},
], ids=["form string", "json string", "json array", "form array", "query array"])
def test_scope_as_a_string_or_an_array(app, client, credentials, send_scope):
    params = {"grant_type": CC, "client_id": credentials[0], "client_secret": credentials[1]}

    response = client.post(TOKEN_URL, **send_scope(params))

    assert response.status_code == 200, response.json
    assert jwt_parts(response.json["access_token"])[1]["scopes"] == ["read", "write"]
    assert token_rows(app)[0].scopes == ["read", "write"]


@pytest.mark.parametrize("scope", ["read admin", ["read", "admin"]])
def test_an_unknown_scope_is_refused(app, client, credentials, scope):
    response = client.post(TOKEN_URL, json={"grant_type": CC, "client_id": credentials[0],
                                            "client_secret": credentials[1], "scope": scope})

    assert response.status_code == 400
    assert response.json == INVALID_SCOPE
    assert list(response.json) == list(INVALID_SCOPE)
    assert token_rows(app) == []


@pytest.mark.parametrize("scope, hint", [
    ("lecturaé", "Check the `lecturaé` scope"),
    ('a"b', "Check the `a&quot;b` scope"),
    ("a\\b", "Check the `a\\b` scope"),
    ("read\u00a0write", "Check the `read\u00a0write` scope"),
])
def test_odd_scope_names_are_refused_by_name(app, client, credentials, scope, hint):
    response = client.post(TOKEN_URL, json={"grant_type": CC, "client_id": credentials[0],
                                            "client_secret": credentials[1], "scope": scope})

    assert response.status_code == 400
    assert response.json == {**INVALID_SCOPE, "hint": hint}
    assert token_rows(app) == []


def test_a_new_token_does_not_revoke_the_earlier_ones(app, client, credentials):
    first = client.post(TOKEN_URL, **in_form(*credentials)).json["access_token"]
    second = client.post(TOKEN_URL, **in_json_with_numeric_id(*credentials)).json["access_token"]

    assert first != second
    for token in (first, second):
        response = client.get(WAREHOUSES_URL, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
    assert [row.revoked for row in token_rows(app)] == [False, False]


@pytest.mark.parametrize("base_url", ["http://wms.example.com", "http://192.168.1.10:8000"])
def test_plain_http_on_another_host_is_served(client, credentials, base_url):
    """Behind a proxy that ends TLS, or on the shop's LAN, the app sees http URLs."""
    response = client.post(TOKEN_URL, base_url=base_url, **in_form(*credentials))

    assert response.status_code == 200, response.json


# Errors


# (case, params given (id, secret) of the test client, status, exact JSON)
ERRORS = [
    ("no grant_type", lambda i, s: {"client_id": i, "client_secret": s}, 400,
     UNSUPPORTED_GRANT_TYPE),
    ("nothing at all", lambda i, s: {}, 400, UNSUPPORTED_GRANT_TYPE),
    ("unknown grant_type", lambda i, s: {"grant_type": "foo", "client_id": i, "client_secret": s},
     400, UNSUPPORTED_GRANT_TYPE),
    ("password grant, not a password client", lambda i, s: {
        "grant_type": "password", "client_id": i, "client_secret": s, "username": "a@b.co",
        "password": "secret-password"}, 401, INVALID_CLIENT),
    ("no client_id", lambda i, s: {"grant_type": CC, "client_secret": s}, 400,
     MISSING_CLIENT_ID),
    ("wrong secret", lambda i, s: {"grant_type": CC, "client_id": i, "client_secret": s + "x"},
     401, INVALID_CLIENT),
    ("unknown client", lambda i, s: {"grant_type": CC, "client_id": i + 1000,
                                     "client_secret": s}, 401, INVALID_CLIENT),
    ("non-numeric client", lambda i, s: {"grant_type": CC, "client_id": "abc",
                                         "client_secret": s}, 401, INVALID_CLIENT),
    ("huge client id", lambda i, s: {"grant_type": CC, "client_id": "99999999999999999999",
                                     "client_secret": s}, 401, INVALID_CLIENT),
    ("negative client id", lambda i, s: {"grant_type": CC, "client_id": f"-{i}",
                                         "client_secret": s}, 401, INVALID_CLIENT),
    ("non-ascii digit client id", lambda i, s: {"grant_type": CC, "client_id": "\u00b2",
                                                "client_secret": s}, 401, INVALID_CLIENT),
    ("no secret", lambda i, s: {"grant_type": CC, "client_id": i}, 401, INVALID_CLIENT),
    ("empty secret", lambda i, s: {"grant_type": CC, "client_id": i, "client_secret": ""},
     401, INVALID_CLIENT),
]


@pytest.mark.parametrize("body_kind", ["data", "json"])
@pytest.mark.parametrize("params, status, expected",
                         [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS])
def test_token_request_errors(app, client, credentials, body_kind, params, status, expected):
    response = client.post(TOKEN_URL, **{body_kind: params(*credentials)})

    assert response.status_code == status
    assert response.json == expected
    assert list(response.json) == list(expected)
    assert response.headers["Cache-Control"] == "no-store"
    assert "WWW-Authenticate" not in response.headers
    assert token_rows(app) == []


@pytest.mark.parametrize("authorization", [
    lambda i, s: basic(i, s + "x"),
    lambda i, s: basic(i + 1000, s),
    lambda i, s: basic("abc", s),
    lambda i, s: basic(i, ""),
    lambda i, s: {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
], ids=["wrong secret", "unknown client", "non-numeric client", "no secret", "not utf-8"])
def test_bad_basic_credentials_ask_for_basic_auth(app, client, credentials, authorization):
    response = client.post(TOKEN_URL, data={"grant_type": CC},
                           headers=authorization(*credentials))

    assert response.status_code == 401
    assert response.json == INVALID_CLIENT
    assert response.headers["WWW-Authenticate"] == 'Basic realm="OAuth"'
    assert token_rows(app) == []


def test_a_revoked_client_gets_no_token(app, client, credentials):
    with app.app_context():
        db.session.get(OAuthClient, credentials[0]).revoked = True
        db.session.commit()

    response = client.post(TOKEN_URL, **in_form(*credentials))

    assert response.status_code == 401
    assert response.json == INVALID_CLIENT
    assert token_rows(app) == []


@pytest.mark.parametrize("secret", [None, "", "anything"])
def test_a_public_client_may_not_use_client_credentials(app, client, secret):
    client_id = add_client(app, secret=None, redirect="http://localhost/callback")
    params = {"grant_type": CC, "client_id": client_id}
    if secret is not None:
        params["client_secret"] = secret

    response = client.post(TOKEN_URL, data=params)

    assert response.status_code == 401
    assert response.json == INVALID_CLIENT
    assert token_rows(app) == []


@pytest.mark.parametrize("body", [b"[1, 2]", b'"client_credentials"', b"42", b"null", b"{bad",
                                  b'{"grant_type": ', b"\xff\xfe"])
def test_a_json_body_that_is_not_an_object_is_a_client_error(app, client, body):
    response = client.post(TOKEN_URL, data=body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert response.is_json and response.json["message"]
    assert token_rows(app) == []


@pytest.mark.parametrize("body", [b"{bad", b"[" * 100000, b'{"client_secret": "\\ud800"}'])
def test_a_body_that_is_not_json_gets_passports_invalid_request(client, body):
    response = client.post(TOKEN_URL, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json["hint"] == "Check the `body` parameter"


def test_an_empty_json_body_reads_as_no_parameters(client):
    response = client.post(TOKEN_URL, data=b"", content_type="application/json")

    assert response.status_code == 400
    assert response.json == UNSUPPORTED_GRANT_TYPE


def test_the_token_endpoint_only_takes_post(client, credentials):
    response = client.get(TOKEN_URL, query_string=in_form(*credentials)["data"])

    assert response.status_code == 405
