"""/oauth/personal-access-tokens: a signed-in user makes, lists and revokes personal tokens."""
import base64
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken, OAuthClient
from wms.models.base import utcnow
from wms.services.clients import create_client
from wms.services.users import create_user

URL = "/oauth/personal-access-tokens"
MISSING = {"message": "El token no existe."}
UNAUTHENTICATED = {"message": "Unauthenticated."}
TOKEN_KEYS = {"id", "user_id", "client_id", "name", "scopes", "revoked", "created_at",
              "updated_at", "expires_at"}
OTHER_EMAIL, OTHER_PASSWORD = "other-pat@store.example", "battery staple"
YEAR = 365 * 24 * 60 * 60


def bearer(value):
    return {"Authorization": f"Bearer {value}"}


def claims(value):
    payload = value.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def create(client, headers, **body):
    return client.post(URL, json={"name": "CLI", **body}, headers=headers)


@pytest.fixture
def other_auth(app, client):
    """A second user's bearer token, from the password grant."""
    with app.app_context():
        create_user(name="Other", email=OTHER_EMAIL, password=OTHER_PASSWORD)
        password_client, secret = create_client(name="Other UI", password=True)
    response = client.post("/oauth/token", data={
        "grant_type": "password", "client_id": password_client.id, "client_secret": secret,
        "username": OTHER_EMAIL, "password": OTHER_PASSWORD})
    assert response.status_code == 200, response.json
    return bearer(response.json["access_token"])


@pytest.mark.parametrize("seconds_after_maker", [0, 1])
def test_create_returns_the_jwt_once_and_the_token(app, client, user, user_token, monkeypatch,
                                                   seconds_after_maker):
    # The clock is set, not read: the token's lifetime is cut to its maker's, whose second of
    # issue may be this one or an earlier one.
    maker = claims(user_token)
    monkeypatch.setattr(time, "time", lambda: maker["iat"] + seconds_after_maker + 0.5)
    response = create(client, bearer(user_token), name="  Deploy script  ", scopes=["read"])

    assert response.status_code == 200, response.json
    assert set(response.json) == {"accessToken", "token"}
    token = response.json["token"]
    assert set(token) == TOKEN_KEYS
    assert token["user_id"] == user.id
    assert token["name"] == "Deploy script"
    assert token["scopes"] == ["read"]
    assert token["revoked"] is False
    datetime.strptime(token["created_at"], "%Y-%m-%d %H:%M:%S")
    jwt = response.json["accessToken"]
    assert claims(jwt)["jti"] == token["id"]
    assert claims(jwt)["sub"] == str(user.id)
    assert claims(jwt)["scopes"] == ["read"]
    assert claims(jwt)["iat"] == maker["iat"] + seconds_after_maker
    assert claims(jwt)["exp"] == maker["exp"] == maker["iat"] + YEAR
    with app.app_context():
        row = db.session.get(AccessToken, token["id"])
        assert row.client.personal_access_client is True
        assert row.client.confidential
        assert row.client_id == token["client_id"]
        stored = json.dumps([getattr(row, c.key) for c in AccessToken.__table__.columns],
                            default=str)
        assert jwt not in stored


def test_the_token_works_on_the_api_within_its_scopes(client, user, user_auth):
    read = create(client, user_auth, scopes=["read"]).json["accessToken"]
    write = create(client, user_auth, scopes="read write").json["accessToken"]
    everything = create(client, user_auth).json["accessToken"]

    assert client.get("/api/v1/warehouses/getall", headers=bearer(read)).status_code == 200
    response = client.post("/api/v1/warehouses/store", json={}, headers=bearer(read))
    assert response.status_code == 403
    assert response.json == {"message": "Invalid scope(s) provided."}
    for value in (write, everything):
        assert client.post("/api/v1/warehouses/store", json={},
                           headers=bearer(value)).status_code != 403


def test_scopes_as_form_values(client, user, user_auth):
    response = client.post(URL, data={"name": "Form", "scopes[]": ["read", "write", "read"]},
                           headers=user_auth)
    assert response.status_code == 200, response.json
    assert response.json["token"]["scopes"] == ["read", "write"]
    response = client.post(URL, data={"name": "Star", "scopes": "*"}, headers=user_auth)
    assert response.json["token"]["scopes"] == ["*"]


def test_list_shows_live_personal_tokens_newest_first_without_the_jwt(app, client, user,
                                                                      user_auth):
    first = create(client, user_auth, name="First").json
    second = create(client, user_auth, name="Second").json
    with app.app_context():
        # The same second: make the order certain.
        db.session.get(AccessToken, first["token"]["id"]).created_at -= timedelta(seconds=5)
        expired = db.session.get(AccessToken, create(client, user_auth).json["token"]["id"])
        expired.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    response = client.get(URL, headers=user_auth)

    assert response.status_code == 200
    assert [t["id"] for t in response.json] == [second["token"]["id"], first["token"]["id"]]
    assert all(set(t) == TOKEN_KEYS for t in response.json)
    assert first["accessToken"] not in response.get_data(as_text=True)
    # The password-grant token of user_auth is no personal token.
    assert len(response.json) == 2


def test_delete_revokes(app, client, user, user_auth):
    body = create(client, user_auth).json
    jwt, jti = body["accessToken"], body["token"]["id"]
    assert client.get("/api/v1/warehouses/getall", headers=bearer(jwt)).status_code == 200

    response = client.delete(f"{URL}/{jti}", headers=user_auth)

    assert response.status_code == 204
    assert response.get_data() == b""
    response = client.get("/api/v1/warehouses/getall", headers=bearer(jwt))
    assert response.status_code == 401
    assert response.json == UNAUTHENTICATED
    assert client.get(URL, headers=user_auth).json == []
    with app.app_context():
        assert db.session.get(AccessToken, jti).revoked is True


def test_another_users_token_is_not_found(client, user, user_auth, other_auth):
    body = create(client, other_auth).json
    jti = body["token"]["id"]

    assert client.get(URL, headers=user_auth).json == []
    response = client.delete(f"{URL}/{jti}", headers=user_auth)
    assert response.status_code == 404
    assert response.json == MISSING
    assert client.get("/api/v1/warehouses/getall",
                      headers=bearer(body["accessToken"])).status_code == 200
    assert [t["id"] for t in client.get(URL, headers=other_auth).json] == [jti]


@pytest.mark.parametrize("token_id", ["unknown", "x" * 101, "%20"])
def test_unknown_token_is_not_found(client, user, user_auth, token_id):
    response = client.delete(f"{URL}/{token_id}", headers=user_auth)
    assert response.status_code == 404
    assert response.json == MISSING


def test_a_password_grant_token_is_not_a_personal_token(client, user, user_auth, user_token):
    jti = claims(user_token)["jti"]
    response = client.delete(f"{URL}/{jti}", headers=user_auth)
    assert response.status_code == 404
    assert response.json == MISSING


@pytest.mark.parametrize("method,path", [("GET", URL), ("POST", URL),
                                         ("DELETE", f"{URL}/abc")])
def test_guests_and_client_tokens_are_refused(client, auth, method, path):
    for headers in ({}, auth):
        response = client.open(path, method=method, json={"name": "x"}, headers=headers)
        assert response.status_code == 401
        assert response.json == UNAUTHENTICATED


def _future(days=30):
    return (utcnow() + timedelta(days=days)).replace(microsecond=0)


@pytest.mark.parametrize("body,field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 256}, "name"),
    ({"name": 5}, "name"),
    ({"name": "a\x00b"}, "name"),
    ({"name": "x", "scopes": ["read", "admin"]}, "scopes"),
    ({"name": "x", "scopes": "read nope"}, "scopes"),
    ({"name": "x", "scopes": [1]}, "scopes"),
    ({"name": "x", "scopes": {"read": True}}, "scopes"),
    ({"name": "x", "scopes": None}, "scopes"),
    ({"name": "x", "expires_at": "tomorrow"}, "expires_at"),
    ({"name": "x", "expires_at": "2020-01-01 00:00:00"}, "expires_at"),
    ({"name": "x", "expires_at": "2999-02-30 00:00:00"}, "expires_at"),
    ({"name": "x", "expires_at": 1999999999}, "expires_at"),
])
def test_bad_input(client, user, user_auth, body, field):
    response = client.post(URL, json=body, headers=user_auth)
    assert response.status_code == 400, response.json
    assert response.json["message"] == "Parametros no validos."
    assert list(response.json["errors"]) == [field]
    assert isinstance(response.json["errors"][field], list)


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ",
                                 "%Y-%m-%dT%H:%M:%S+00:00"])
def test_expires_at_is_honoured(client, user, user_auth, fmt):
    moment = _future()
    value = moment.replace(tzinfo=timezone.utc).strftime(fmt)
    response = create(client, user_auth, expires_at=value)

    assert response.status_code == 200, response.json
    assert response.json["token"]["expires_at"] == moment.strftime("%Y-%m-%d %H:%M:%S")
    assert claims(response.json["accessToken"])["exp"] == int(
        moment.replace(tzinfo=timezone.utc).timestamp())


def test_expires_at_with_an_offset_is_converted_to_utc(client, user, user_auth):
    moment = _future()
    local = moment.replace(tzinfo=timezone.utc).astimezone(timezone(timedelta(hours=-5)))
    response = create(client, user_auth, expires_at=local.isoformat())
    assert response.json["token"]["expires_at"] == moment.strftime("%Y-%m-%d %H:%M:%S")


def test_lifetime_setting(app, client, user, user_auth):
    app.config["PERSONAL_ACCESS_TOKEN_LIFETIME"] = 3600
    jwt = create(client, user_auth).json["accessToken"]
    assert claims(jwt)["exp"] - claims(jwt)["iat"] == 3600


def test_the_personal_client_is_made_once(app, client, user, user_auth):
    ids = {create(client, user_auth).json["token"]["client_id"] for _ in range(2)}
    with app.app_context():
        personal = db.session.scalars(sa.select(OAuthClient).where(
            OAuthClient.personal_access_client.is_(True))).all()
    assert [c.id for c in personal] == list(ids)
    assert personal[0].name == "Personal Access Client"


def test_an_existing_personal_client_is_used(app, client, runner, user, user_auth):
    result = runner.invoke(args=["oauth", "create-client", "--name", "PATs", "--personal",
                                 "--json"])
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert set(made) == {"client_id", "client_secret"} and made["client_secret"]
    with app.app_context():
        row = db.session.get(OAuthClient, made["client_id"])
        assert row.personal_access_client and not row.password_client and row.confidential
    assert create(client, user_auth).json["token"]["client_id"] == made["client_id"]


@pytest.mark.parametrize("flags", [[], ["--personal", "--password"],
                                   ["--personal", "--client-credentials"]])
def test_create_client_needs_exactly_one_kind(runner, flags):
    result = runner.invoke(args=["oauth", "create-client", "--name", "X", *flags])
    assert result.exit_code == 2
    assert "--personal" in result.output


def test_list_runs_a_fixed_number_of_statements(client, user, user_auth, count_queries):
    create(client, user_auth)
    with count_queries() as one:
        assert len(client.get(URL, headers=user_auth).json) == 1
    for _ in range(3):
        create(client, user_auth)
    with count_queries() as four:
        assert len(client.get(URL, headers=user_auth).json) == 4
    assert len(one) == len(four)
