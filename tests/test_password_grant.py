"""The scanner app's flows: password grant, refresh with rotation and reuse detection, scopes."""
import base64
import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import RefreshToken, User
from wms.services.clients import create_client
from wms.services.users import create_user

TOKEN_URL = "/oauth/token"
READ_URL = "/api/v1/warehouses/getall"
WRITE_URL = "/api/v1/warehouses/store?name=Nueva&store_id=1"
EMAIL, PASSWORD = "clerk@store.example", "correct horse"

INVALID_CREDENTIALS = {
    "error": "invalid_credentials",
    "error_description": "The user credentials were incorrect.",
    "message": "The user credentials were incorrect.",
}


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def user(app):
    with app.app_context():
        return create_user(name="Clerk", email=EMAIL, password=PASSWORD)


@pytest.fixture
def scanner(app):
    """A public password client, as the scanner app is: (client id, None)."""
    with app.app_context():
        client, secret = create_client(name="Scanner app", password=True, public=True)
        return client.id, secret


@pytest.fixture
def web(app):
    """A confidential password client: (client id, secret)."""
    with app.app_context():
        client, secret = create_client(name="Web UI", password=True)
        return client.id, secret


def password_grant(client, app_client, **extra):
    client_id, secret = app_client
    body = {"grant_type": "password", "client_id": client_id, "username": EMAIL,
            "password": PASSWORD, **extra}
    if secret:
        body["client_secret"] = secret
    return client.post(TOKEN_URL, json=body)


def refresh_grant(client, app_client, refresh_token):
    client_id, secret = app_client
    body = {"grant_type": "refresh_token", "client_id": client_id,
            "refresh_token": refresh_token}
    if secret:
        body["client_secret"] = secret
    return client.post(TOKEN_URL, json=body)


@pytest.mark.parametrize("which", ["scanner", "web"])
def test_the_password_grant_issues_a_user_token_and_a_refresh_token(client, demo, user, request,
                                                                    which):
    response = password_grant(client, request.getfixturevalue(which))

    assert response.status_code == 200
    body = response.json
    assert list(body) == ["token_type", "expires_in", "access_token", "refresh_token"]
    assert claims(body["access_token"])["sub"] == str(user.id)
    assert client.get(READ_URL, headers=bearer(body["access_token"])).status_code == 200


@pytest.mark.parametrize("username, password", [
    (EMAIL, "wrong password"), ("nobody@store.example", PASSWORD), (EMAIL.upper(), "x" * 20)])
def test_wrong_credentials_get_one_answer(client, user, scanner, username, password):
    response = password_grant(client, scanner, username=username, password=password)

    assert response.status_code == 401
    assert response.json == INVALID_CREDENTIALS


@pytest.mark.parametrize("missing", ["username", "password"])
def test_a_missing_credential_names_the_parameter(client, user, scanner, missing):
    response = password_grant(client, scanner, **{missing: ""})

    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.json["hint"] == f"Check the `{missing}` parameter"


def test_a_client_credentials_client_may_not_use_the_password_grant(app, client, user):
    with app.app_context():
        other, secret = create_client(name="Robot")
    response = password_grant(client, (other.id, secret))

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_a_public_client_may_not_use_client_credentials(client, scanner):
    response = client.post(TOKEN_URL, data={"grant_type": "client_credentials",
                                            "client_id": scanner[0]})

    assert response.status_code == 401


def test_issuing_never_revokes_other_tokens_of_the_user(client, demo, user, scanner):
    first = password_grant(client, scanner).json["access_token"]
    second = password_grant(client, scanner).json["access_token"]

    assert client.get(READ_URL, headers=bearer(first)).status_code == 200
    assert client.get(READ_URL, headers=bearer(second)).status_code == 200


def test_refresh_rotates_both_tokens(app, client, demo, user, scanner):
    first = password_grant(client, scanner, scope="read").json

    second = refresh_grant(client, scanner, first["refresh_token"])

    assert second.status_code == 200
    new = second.json
    assert new["refresh_token"] != first["refresh_token"]
    assert claims(new["access_token"])["scopes"] == ["read"]
    assert client.get(READ_URL, headers=bearer(first["access_token"])).status_code == 401
    assert client.get(READ_URL, headers=bearer(new["access_token"])).status_code == 200
    with app.app_context():
        stored = db.session.scalars(sa.select(RefreshToken.id)).all()
    assert len(stored) == 2  # by the hashes of the values, never the values
    assert not {first["refresh_token"], new["refresh_token"]} & set(stored)


def test_reusing_a_rotated_refresh_token_revokes_its_family(client, demo, user, scanner):
    first = password_grant(client, scanner).json
    second = refresh_grant(client, scanner, first["refresh_token"]).json

    reuse = refresh_grant(client, scanner, first["refresh_token"])

    assert reuse.status_code == 401
    assert reuse.json == {"error": "invalid_request",
                          "error_description": "The refresh token is invalid.",
                          "hint": "Token has been revoked",
                          "message": "The refresh token is invalid."}
    assert client.get(READ_URL, headers=bearer(second["access_token"])).status_code == 401
    assert refresh_grant(client, scanner, second["refresh_token"]).status_code == 401


def test_the_family_of_another_login_survives(client, demo, user, scanner):
    stolen = password_grant(client, scanner).json
    other_device = password_grant(client, scanner).json
    refresh_grant(client, scanner, stolen["refresh_token"])

    refresh_grant(client, scanner, stolen["refresh_token"])

    assert client.get(READ_URL, headers=bearer(other_device["access_token"])).status_code == 200


@pytest.mark.parametrize("token, status, hint", [
    ("garbage", 401, "Cannot decrypt the refresh token"),
    ("x" * 1000, 401, "Cannot decrypt the refresh token"),
    ("", 400, "Check the `refresh_token` parameter"),
])
def test_an_unknown_refresh_token_is_refused(client, scanner, token, status, hint):
    response = refresh_grant(client, scanner, token)

    assert response.status_code == status
    assert response.json["error"] == "invalid_request"
    assert response.json["hint"] == hint


def test_a_refresh_token_belongs_to_its_client(app, client, user, scanner, web):
    tokens = password_grant(client, scanner).json

    response = refresh_grant(client, web, tokens["refresh_token"])

    assert response.status_code == 401
    assert response.json["hint"] == "Token is not linked to client"


def test_an_expired_refresh_token_is_refused(app, client, user, scanner):
    tokens = password_grant(client, scanner).json
    with app.app_context():
        db.session.execute(sa.update(RefreshToken).values(expires_at=datetime(2000, 1, 1)))
        db.session.commit()

    response = refresh_grant(client, scanner, tokens["refresh_token"])

    assert response.status_code == 401
    assert response.json["hint"] == "Token has expired"


@pytest.mark.parametrize("scope, read, write", [
    ("read", 200, 403), ("write", 200, 201), ("read write", 200, 201), ("*", 200, 201),
    ("users", 403, 403), (None, 200, 201)])
def test_scopes_narrow_what_a_token_may_do(client, demo, user, scanner, scope, read, write):
    extra = {"scope": scope} if scope else {}
    token = password_grant(client, scanner, **extra).json["access_token"]

    assert client.get(READ_URL, headers=bearer(token)).status_code == read
    response = client.post(WRITE_URL, headers=bearer(token))
    assert response.status_code == write
    if write == 403:
        assert response.json == {"message": "Invalid scope(s) provided."}


def test_star_is_refused_for_client_credentials(app, client):
    with app.app_context():
        robot, secret = create_client(name="Robot")
    response = client.post(TOKEN_URL, data={"grant_type": "client_credentials", "scope": "*",
                                            "client_id": robot.id, "client_secret": secret})

    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


def test_the_password_is_stored_hashed(app, user):
    with app.app_context():
        stored = db.session.get(User, user.id).password
    assert PASSWORD not in stored and stored.startswith("pbkdf2:")


def test_revoking_a_refresh_token_ends_its_grant(client, demo, user, web):
    tokens = password_grant(client, web).json

    response = client.post("/oauth/revoke", data={
        "token": tokens["refresh_token"], "token_type_hint": "refresh_token",
        "client_id": web[0], "client_secret": web[1]})

    assert response.status_code == 200 and response.data == b""
    assert client.get(READ_URL, headers=bearer(tokens["access_token"])).status_code == 401
    assert refresh_grant(client, web, tokens["refresh_token"]).status_code == 401


def test_introspecting_a_refresh_token(client, user, web):
    tokens = password_grant(client, web, scope="read").json

    body = client.post("/oauth/introspect", data={
        "token": tokens["refresh_token"], "client_id": web[0], "client_secret": web[1]}).json

    assert body["active"] is True
    assert body["token_type"] == "refresh_token"
    assert body["scope"] == "read" and body["client_id"] == str(web[0])
    assert body["sub"] == str(user.id) and isinstance(body["exp"], int)
