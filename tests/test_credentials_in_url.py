"""Credentials never travel in a URL (RFC 6749 2.3.1): a secret, password, refresh token,
authorization code or PKCE verifier in the query string is refused before anything uses it, and
nothing logs it. Every other parameter may still come in the query (DESIGN 4)."""
import logging

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken
from wms.services.clients import create_client

from tests.conftest import USER_EMAIL, USER_PASSWORD

SECRET_MARK = "s3cr3t-in-the-url-XYZ"
INVALID_REQUEST = ("The request is missing a required parameter, includes an invalid parameter "
                   "value, includes a parameter more than once, or is otherwise malformed.")


def passport_refusal(name):
    return {"error": "invalid_request", "error_description": INVALID_REQUEST,
            "hint": f"Send `{name}` in the request body, never in the URL",
            "message": INVALID_REQUEST}


def api_refusal(*names):
    return {"message": "Parametros no validos.",
            "errors": {name: ["Must be sent in the request body, never in the URL."]
                       for name in names}}


def tokens_issued(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AccessToken))


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.parametrize("query, name", [
    ({"grant_type": "client_credentials", "client_id": "1", "client_secret": SECRET_MARK},
     "client_secret"),
    ({"grant_type": "password", "client_id": "2", "username": USER_EMAIL,
      "password": SECRET_MARK}, "password"),
    ({"grant_type": "refresh_token", "refresh_token": SECRET_MARK}, "refresh_token"),
    ({"grant_type": "authorization_code", "code": SECRET_MARK}, "code"),
    ({"grant_type": "authorization_code", "code_verifier": SECRET_MARK}, "code_verifier"),
    ({"grant_type": "client_credentials", "client_secret[]": SECRET_MARK}, "client_secret"),
])
def test_the_token_endpoint_refuses_credentials_in_the_query(app, client, logged, query, name):
    response = client.post("/oauth/token", query_string=query)

    assert response.status_code == 400
    assert response.json == passport_refusal(name)
    assert response.headers["Cache-Control"] == "no-store"
    assert SECRET_MARK not in response.get_data(as_text=True)
    assert SECRET_MARK not in logged.text
    assert tokens_issued(app) == 0


def test_a_real_secret_in_the_query_issues_nothing(app, client, oauth_client, logged):
    app_client, secret = oauth_client
    response = client.post("/oauth/token", query_string={
        "grant_type": "client_credentials", "client_id": app_client.id,
        "client_secret": secret})

    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert tokens_issued(app) == 0
    assert secret not in logged.text


def test_the_secret_in_the_body_and_the_rest_in_the_query_still_works(client, oauth_client):
    app_client, secret = oauth_client
    response = client.post("/oauth/token",
                           query_string={"grant_type": "client_credentials",
                                         "client_id": app_client.id},
                           data={"client_secret": secret})
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("path", ["/oauth/revoke", "/oauth/introspect"])
def test_a_token_to_revoke_or_inspect_is_not_taken_from_the_query(app, client, oauth_client,
                                                                  token, path):
    app_client, secret = oauth_client
    response = client.post(path, query_string={"token": token},
                           data={"client_id": app_client.id, "client_secret": secret})

    assert response.status_code == 400
    assert response.json == passport_refusal("token")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/warehouses/getall", headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/login", "/api/login", "/api/users", "/api/v1/user/store"])
def test_sign_in_and_user_routes_refuse_a_password_in_the_query(client, user, logged, path):
    response = client.post(path, query_string={"email": USER_EMAIL, "password": SECRET_MARK},
                           json={"name": "N"})

    assert response.status_code == 400
    assert response.json == api_refusal("password")
    assert SECRET_MARK not in logged.text


def test_every_credential_found_is_named(client):
    response = client.post("/api/login", query_string={"password": "a", "client_secret": "b"})
    assert response.json == api_refusal("client_secret", "password")


def test_the_email_may_come_in_the_query_with_the_password_in_the_body(client, user):
    response = client.post("/api/login", query_string={"email": USER_EMAIL},
                           json={"password": USER_PASSWORD})
    assert response.status_code == 200, response.json


def test_a_password_grant_with_the_password_in_the_body_works(app, client, user):
    with app.app_context():
        password_client, secret = create_client(name="Scanner", password=True)
    response = client.post("/oauth/token", query_string={"grant_type": "password",
                                                         "username": USER_EMAIL},
                           json={"client_id": str(password_client.id), "client_secret": secret,
                                 "password": USER_PASSWORD})
    assert response.status_code == 200, response.json


def test_an_unknown_route_or_method_keeps_its_answer(client):
    assert client.get("/oauth/token", query_string={"client_secret": "x"}).status_code == 405
    assert client.get("/nowhere", query_string={"password": "x"}).status_code == 404
