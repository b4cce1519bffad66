"""POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662), client-authenticated."""
import base64
import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

import wms.services.tokens
from wms.extensions import db
from wms.models import AccessToken, OAuthClient
from wms.models.base import utcnow
from wms.keys import generate_key_pair
from wms.services.clients import create_client
from wms.services.tokens import issue_access_token

REVOKE_URL = "/oauth/revoke"
INTROSPECT_URL = "/oauth/introspect"
API_URL = "/api/v1/warehouses/getall"
INACTIVE = {"active": False}
UNAUTHENTICATED = {"message": "Unauthenticated."}
INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed",
    "message": "Client authentication failed",
}
INVALID_REQUEST_DESCRIPTION = (
    "The request is missing a required parameter, includes an invalid parameter value, "
    "includes a parameter more than once, or is otherwise malformed."
)
MISSING_TOKEN = {
    "error": "invalid_request",
    "error_description": INVALID_REQUEST_DESCRIPTION,
    "hint": "Check the `token` parameter",
    "message": INVALID_REQUEST_DESCRIPTION,
}
INTROSPECTION_KEYS = ["active", "scope", "client_id", "token_type", "exp", "iat", "nbf", "sub",
                      "aud", "jti", "iss"]


def basic(client_id, secret):
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


def claims_of(token):
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# How a client may send its credentials and parameters: (id, secret, params) -> post() kwargs.
def in_form(client_id, secret, params):
    return {"data": {"client_id": client_id, "client_secret": secret, **params}}


def in_json(client_id, secret, params):
    return {"json": {"client_id": client_id, "client_secret": secret, **params}}


def in_json_with_string_id(client_id, secret, params):
    return {"json": {"client_id": str(client_id), "client_secret": secret, **params}}


def in_basic_auth(client_id, secret, params):
    return {"data": params, "headers": basic(client_id, secret)}


def in_basic_auth_with_json(client_id, secret, params):
    return {"json": params, "headers": basic(client_id, secret)}


SENDS = [in_form, in_json, in_json_with_string_id, in_basic_auth, in_basic_auth_with_json]


@pytest.fixture
def credentials(oauth_client):
    client_row, secret = oauth_client
    return client_row.id, secret


@pytest.fixture
def other_credentials(app):
    with app.app_context():
        client_row, secret = create_client(name="Other app")
    return client_row.id, secret


@pytest.fixture
def issue(app):
    """issue((client_id, secret), lifetime=3600, scopes=("read",)) -> a JWT, its row stored."""
    def issue(credentials, lifetime=3600, scopes=("read",)):
        with app.app_context():
            client_row = db.session.get(OAuthClient, credentials[0])
            token, _row = issue_access_token(client=client_row, user_id=None,
                                             scopes=list(scopes), lifetime=lifetime)
        return token

    return issue


def row_of(app, token):
    with app.app_context():
        return db.session.get(AccessToken, claims_of(token)["jti"])


def set_row(app, token, **values):
    with app.app_context():
        db.session.execute(sa.update(AccessToken)
                           .where(AccessToken.id == claims_of(token)["jti"]).values(**values))
        db.session.commit()


def revoke(client, credentials, token, send=in_form, **params):
    return client.post(REVOKE_URL, **send(*credentials, {"token": token, **params}))


def introspect(client, credentials, token, send=in_form, **params):
    return client.post(INTROSPECT_URL, **send(*credentials, {"token": token, **params}))


def assert_revoke_ok(response):
    """RFC 7009 2.2: 200, and nothing in the body."""
    assert response.status_code == 200
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


# Revocation


@pytest.mark.parametrize("send", SENDS)
def test_a_client_revokes_its_own_token(app, client, demo, credentials, token, send):
    assert client.get(API_URL, headers=bearer(token)).status_code == 200

    response = revoke(client, credentials, token, send=send)

    assert_revoke_ok(response)
    assert row_of(app, token).revoked is True
    refused = client.get(API_URL, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json == UNAUTHENTICATED
    assert introspect(client, credentials, token).json == INACTIVE


def test_revoking_twice_is_fine(app, client, credentials, token):
    assert_revoke_ok(revoke(client, credentials, token))
    assert_revoke_ok(revoke(client, credentials, token))

    assert row_of(app, token).revoked is True


def test_revoking_one_token_leaves_the_others(app, client, demo, credentials, token, issue):
    other = issue(credentials)

    assert_revoke_ok(revoke(client, credentials, token))

    assert client.get(API_URL, headers=bearer(other)).status_code == 200
    assert row_of(app, other).revoked is False


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", "id_token", ""])
def test_any_token_type_hint_is_accepted(app, client, credentials, token, hint):
    """An unknown hint is ignored (RFC 7009 2.1 lets the server search every type)."""
    response = revoke(client, credentials, token, token_type_hint=hint)

    assert_revoke_ok(response)
    assert row_of(app, token).revoked is True


def test_another_clients_token_is_not_revoked_but_the_answer_is_the_same(
        app, client, demo, credentials, other_credentials, issue):
    theirs = issue(other_credentials)

    response = revoke(client, credentials, theirs)

    assert_revoke_ok(response)
    assert row_of(app, theirs).revoked is False
    assert client.get(API_URL, headers=bearer(theirs)).status_code == 200
    assert introspect(client, other_credentials, theirs).json["active"] is True


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_token(token):
    """The token's header and claims, signed with someone else's RSA key."""
    header, claims, _ = token.split(".")
    key = serialization.load_pem_private_key(generate_key_pair(2048)[0], password=None)
    signature = key.sign(f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{claims}.{b64url(signature)}"


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "x" * 5000, "\u00e9\u00e9.\u00e9.\u00e9",
                                     "{}x", "Bearer {}"])
def test_a_token_that_is_not_ours_is_answered_200(app, client, demo, credentials, token,
                                                  garbage):
    response = revoke(client, credentials, garbage.format(token))

    assert_revoke_ok(response)
    assert row_of(app, token).revoked is False
    assert client.get(API_URL, headers=bearer(token)).status_code == 200


def test_a_forged_token_revokes_nothing(app, client, demo, credentials, token):
    forged = forged_token(token)
    assert claims_of(forged)["jti"] == claims_of(token)["jti"]

    assert_revoke_ok(revoke(client, credentials, forged))

    assert row_of(app, token).revoked is False
    assert client.get(API_URL, headers=bearer(token)).status_code == 200
    assert introspect(client, credentials, forged).json == INACTIVE


def test_a_token_whose_row_is_gone_is_answered_200(app, client, credentials, token):
    with app.app_context():
        db.session.execute(sa.delete(AccessToken))
        db.session.commit()

    assert_revoke_ok(revoke(client, credentials, token))


def test_an_expired_token_may_be_revoked(app, client, credentials, token):
    set_row(app, token, expires_at=utcnow() - timedelta(seconds=1))

    assert_revoke_ok(revoke(client, credentials, token))

    assert row_of(app, token).revoked is True


# Introspection


@pytest.mark.parametrize("send", SENDS)
def test_introspecting_an_active_token(app, client, credentials, issue, send):
    before = int(time.time())
    token = issue(credentials, scopes=("read", "write"))
    claims = claims_of(token)

    response = introspect(client, credentials, token, send=send)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    body = response.json
    assert list(body) == INTROSPECTION_KEYS
    assert body == {
        "active": True,
        "scope": "read write",
        "client_id": str(credentials[0]),
        "token_type": "Bearer",
        "exp": claims["exp"],
        "iat": claims["iat"],
        "nbf": claims["nbf"],
        "sub": "",
        "aud": str(credentials[0]),
        "jti": claims["jti"],
        "iss": "http://localhost",
    }
    for name in ("exp", "iat", "nbf"):
        assert type(body[name]) is int
    assert before <= body["iat"] <= body["exp"] - 3600


def test_a_token_from_the_token_endpoint_introspects_with_its_lifetime(app, client,
                                                                       credentials, token):
    body = introspect(client, credentials, token).json

    assert body["active"] is True
    assert body["scope"] == ""
    assert body["exp"] - body["iat"] == app.config["ACCESS_TOKEN_LIFETIME"]


def test_the_issuer_follows_the_request_or_the_configuration(app, client, credentials, token):
    url = client.post(INTROSPECT_URL, base_url="http://wms.example.com:8000",
                      **in_form(*credentials, {"token": token})).json["iss"]
    assert url == "http://wms.example.com:8000"

    app.config["OAUTH_ISSUER"] = "https://auth.example.com/"
    assert introspect(client, credentials, token).json["iss"] == "https://auth.example.com"


def test_an_expired_row_is_inactive(app, client, credentials, token):
    assert introspect(client, credentials, token).json["active"] is True

    set_row(app, token, expires_at=utcnow() - timedelta(seconds=1))

    response = introspect(client, credentials, token)
    assert response.status_code == 200
    assert response.json == INACTIVE


def test_a_token_past_its_exp_is_inactive(client, credentials, issue, monkeypatch):
    token = issue(credentials, lifetime=1)
    later = time.time() + 60
    monkeypatch.setattr(wms.services.tokens.time, "time", lambda: later)

    response = introspect(client, credentials, token)

    assert response.status_code == 200
    assert response.json == INACTIVE


def test_a_revoked_token_is_inactive(app, client, credentials, token):
    set_row(app, token, revoked=True)

    assert introspect(client, credentials, token).json == INACTIVE


def test_another_clients_token_is_inactive_to_this_client(client, credentials,
                                                          other_credentials, issue):
    theirs = issue(other_credentials)

    assert introspect(client, credentials, theirs).json == INACTIVE
    assert introspect(client, other_credentials, theirs).json["active"] is True


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "{}x", "x" * 5000])
def test_unknown_tokens_are_inactive(client, credentials, token, garbage):
    response = introspect(client, credentials, garbage.format(token))

    assert response.status_code == 200
    assert response.json == INACTIVE


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", "bogus"])
def test_introspection_ignores_the_hint(client, credentials, token, hint):
    assert introspect(client, credentials, token, token_type_hint=hint).json["active"] is True


# Errors, alike on both endpoints


@pytest.fixture(params=[REVOKE_URL, INTROSPECT_URL])
def url(request):
    return request.param


@pytest.mark.parametrize("send", SENDS)
@pytest.mark.parametrize("params", [{}, {"token": ""}, {"token_type_hint": "access_token"}],
                         ids=["nothing", "empty", "hint only"])
def test_a_missing_token_is_an_invalid_request(app, client, credentials, token, url, send,
                                               params):
    response = client.post(url, **send(*credentials, params))

    assert response.status_code == 400
    assert response.json == MISSING_TOKEN
    assert list(response.json) == list(MISSING_TOKEN)
    assert response.headers["Cache-Control"] == "no-store"
    assert row_of(app, token).revoked is False


BAD_CLIENTS = [
    ("wrong secret", lambda i, s: {"client_id": i, "client_secret": s + "x"}),
    ("no secret", lambda i, s: {"client_id": i}),
    ("empty secret", lambda i, s: {"client_id": i, "client_secret": ""}),
    ("unknown client", lambda i, s: {"client_id": i + 1000, "client_secret": s}),
    ("non-numeric client", lambda i, s: {"client_id": "abc", "client_secret": s}),
    ("no client at all", lambda i, s: {}),
]


@pytest.mark.parametrize("body_kind", ["data", "json"])
@pytest.mark.parametrize("credentials_of", [case[1] for case in BAD_CLIENTS],
                         ids=[case[0] for case in BAD_CLIENTS])
def test_bad_client_credentials_are_refused(app, client, credentials, token, url, body_kind,
                                            credentials_of):
    response = client.post(url, **{body_kind: {**credentials_of(*credentials), "token": token}})

    assert response.status_code == 401
    assert response.json == INVALID_CLIENT
    assert list(response.json) == list(INVALID_CLIENT)
    assert "WWW-Authenticate" not in response.headers
    assert row_of(app, token).revoked is False


@pytest.mark.parametrize("authorization", [
    lambda i, s: basic(i, s + "x"),
    lambda i, s: basic(i + 1000, s),
    lambda i, s: basic(i, ""),
    lambda i, s: {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
], ids=["wrong secret", "unknown client", "no secret", "not utf-8"])
def test_bad_basic_credentials_ask_for_basic_auth(app, client, credentials, token, url,
                                                  authorization):
    response = client.post(url, data={"token": token}, headers=authorization(*credentials))

    assert response.status_code == 401
    assert response.json == INVALID_CLIENT
    assert response.headers["WWW-Authenticate"] == 'Basic realm="OAuth"'
    assert row_of(app, token).revoked is False


def test_a_missing_token_with_bad_credentials_is_a_client_error_first(client, credentials,
                                                                      url):
    response = client.post(url, data={"client_id": credentials[0], "client_secret": "nope"})

    assert response.status_code == 401
    assert response.json == INVALID_CLIENT


def test_a_revoked_client_may_not_call(app, client, credentials, token, url):
    with app.app_context():
        db.session.get(OAuthClient, credentials[0]).revoked = True
        db.session.commit()

    response = client.post(url, **in_form(*credentials, {"token": token}))

    assert response.status_code == 401
    assert response.json == INVALID_CLIENT
    assert row_of(app, token).revoked is False


@pytest.mark.parametrize("body", [b"{bad", b"[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_an_invalid_request(client, url, body):
    response = client.post(url, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json["hint"] == "Check the `body` parameter"


def test_only_post(client, credentials, token, url):
    response = client.get(url, query_string=in_form(*credentials, {"token": token})["data"])

    assert response.status_code == 405


def test_the_trailing_slash_is_optional(client, credentials, token, url):
    response = client.post(url + "/", **in_form(*credentials, {"token": token}))

    assert response.status_code == 200
