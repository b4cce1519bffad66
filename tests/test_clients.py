"""/oauth/clients: a signed-in user lists, creates, renames and revokes their own clients."""
import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken, OAuthClient, RefreshToken
from wms.services.clients import create_client
from wms.services.tokens import issue_tokens
from wms.services.users import create_user

INVALID = "Parametros no validos."
MISSING = {"message": "El cliente no existe."}
UNAUTHENTICATED = {"message": "Unauthenticated."}
CLIENT_KEYS = {"id", "user_id", "name", "redirect", "personal_access_client", "password_client",
               "revoked", "created_at", "updated_at"}
OTHER_EMAIL, OTHER_PASSWORD = "other@store.example", "battery staple"


def new_client(client, headers, **fields):
    body = {"name": "Shop", "redirect": "https://shop.example/callback", **fields}
    response = client.post("/oauth/clients", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def password_token(app, client, email, password):
    with app.app_context():
        password_client, secret = create_client(name="Other UI", password=True)
    response = client.post("/oauth/token", data={
        "grant_type": "password", "client_id": password_client.id, "client_secret": secret,
        "username": email, "password": password})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


@pytest.fixture
def other_auth(app, client):
    """A second user's bearer header."""
    with app.app_context():
        create_user(name="Other", email=OTHER_EMAIL, password=OTHER_PASSWORD)
    return password_token(app, client, OTHER_EMAIL, OTHER_PASSWORD)


def client_credentials(client, client_id, secret):
    return client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


def test_create_returns_the_secret_once_and_stores_a_hash(app, client, user, user_auth):
    body = new_client(client, user_auth, name="  Shop  ",
                      redirect="https://shop.example/cb, http://localhost:8080/cb")
    secret = body["secret"]
    assert set(body) == CLIENT_KEYS | {"secret", "plainSecret"}
    assert body["plainSecret"] == secret and len(secret) == 40
    assert body["name"] == "Shop"
    assert body["redirect"] == "https://shop.example/cb,http://localhost:8080/cb"
    assert body["user_id"] == user.id
    assert (body["personal_access_client"], body["password_client"], body["revoked"]) == (
        False, False, False)
    assert len(body["created_at"]) == 19 and body["created_at"][10] == " "

    with app.app_context():
        row = db.session.get(OAuthClient, body["id"])
        assert row.secret and row.secret != secret
        assert row.check_client_secret(secret)
        assert not row.check_client_secret(secret + "x")

    listed = client.get("/oauth/clients", headers=user_auth)
    assert listed.status_code == 200
    assert listed.json == [{key: body[key] for key in CLIENT_KEYS}]
    assert secret not in listed.get_data(as_text=True)

    # The new confidential client gets a client-credentials token with that secret.
    token = client_credentials(client, body["id"], secret)
    assert token.status_code == 200, token.json
    assert client.get("/api/v1/warehouses/getall", headers={
        "Authorization": f"Bearer {token.json['access_token']}"}).status_code == 200


@pytest.mark.parametrize("confidential, has_secret", [
    (True, True), (False, False), ("false", False), ("0", False), (0, False), ("on", True),
    ("1", True), ("true", True), (None, True),
])
def test_confidential(app, client, user_auth, confidential, has_secret):
    fields = {} if confidential is None else {"confidential": confidential}
    body = new_client(client, user_auth, **fields)
    assert (body["secret"] is not None) is has_secret
    assert body["plainSecret"] == body["secret"]
    with app.app_context():
        assert bool(db.session.get(OAuthClient, body["id"]).secret) is has_secret
    if not has_secret:
        # A public client cannot use client credentials.
        assert client_credentials(client, body["id"], "").status_code == 401


def test_form_body_is_accepted(client, user_auth):
    response = client.post("/oauth/clients", data={
        "name": "Form", "redirect": "https://a.example", "confidential": "on"}, headers=user_auth)
    assert response.status_code == 201
    assert response.json["secret"]


@pytest.mark.parametrize("body, errors", [
    ({}, {"name": ["Missing data for required field."],
          "redirect": ["Missing data for required field."]}),
    ({"name": "", "redirect": "https://a.example"},
     {"name": ["Length must be between 1 and 255."]}),
    ({"name": "   ", "redirect": "https://a.example"},
     {"name": ["Length must be between 1 and 255."]}),
    ({"name": "x" * 256, "redirect": "https://a.example"},
     {"name": ["Length must be between 1 and 255."]}),
    ({"name": 5, "redirect": "https://a.example"}, {"name": ["Not a valid string."]}),
    ({"name": "a\x00b", "redirect": "https://a.example"},
     {"name": ["Must not contain control characters."]}),
    ({"name": "A"}, {"redirect": ["Missing data for required field."]}),
    ({"name": "A", "redirect": ""}, {"redirect": ["At least one URL is required."]}),
    ({"name": "A", "redirect": " , "}, {"redirect": ["At least one URL is required."]}),
    ({"name": "A", "redirect": "not a url"}, {"redirect": ["Not a valid URL: 'not a url'."]}),
    ({"name": "A", "redirect": "/relative"}, {"redirect": ["Not a valid URL: '/relative'."]}),
    ({"name": "A", "redirect": "ftp://a.example"},
     {"redirect": ["Not a valid URL: 'ftp://a.example'."]}),
    ({"name": "A", "redirect": "https://a.example,javascript:alert(1)"},
     {"redirect": ["Not a valid URL: 'javascript:alert(1)'."]}),
    ({"name": "A", "redirect": "https://a.example,,https://b.example"},
     {"redirect": ["Not a valid URL: ''."]}),
    ({"name": "A", "redirect": 5}, {"redirect": ["Must be a comma-separated list of URLs."]}),
    ({"name": "A", "redirect": ",".join(["https://a.example"] * 21)},
     {"redirect": ["At most 20 URLs."]}),
    ({"name": "A", "redirect": "https://a.example", "confidential": "maybe"},
     {"confidential": ["Not a valid boolean."]}),
])
def test_bad_input(app, client, user_auth, body, errors):
    response = client.post("/oauth/clients", json=body, headers=user_auth)
    assert response.status_code == 400
    assert response.json == {"message": INVALID, "errors": errors}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OAuthClient)) == 1


def test_list_is_by_name_and_only_the_users_active_clients(client, user_auth, other_auth):
    zed = new_client(client, user_auth, name="Zed")
    new_client(client, user_auth, name="Gone")
    alpha = new_client(client, user_auth, name="Alpha")
    new_client(client, other_auth, name="Beta")
    gone = [c for c in client.get("/oauth/clients", headers=user_auth).json
            if c["name"] == "Gone"][0]
    assert client.delete(f"/oauth/clients/{gone['id']}", headers=user_auth).status_code == 204

    names = [c["name"] for c in client.get("/oauth/clients", headers=user_auth).json]
    assert names == ["Alpha", "Zed"]
    ids = [c["id"] for c in client.get("/oauth/clients", headers=user_auth).json]
    assert ids == [alpha["id"], zed["id"]]
    assert [c["name"] for c in client.get("/oauth/clients", headers=other_auth).json] == ["Beta"]


def test_update(app, client, user_auth):
    body = new_client(client, user_auth)
    response = client.put(f"/oauth/clients/{body['id']}", json={
        "name": " Renamed ", "redirect": "https://new.example/cb"}, headers=user_auth)
    assert response.status_code == 200
    assert set(response.json) == CLIENT_KEYS
    assert response.json["name"] == "Renamed"
    assert response.json["redirect"] == "https://new.example/cb"
    assert response.json["id"] == body["id"]
    # The secret is unchanged.
    assert client_credentials(client, body["id"], body["secret"]).status_code == 200


def test_update_bad_input(client, user_auth):
    body = new_client(client, user_auth)
    response = client.put(f"/oauth/clients/{body['id']}", json={"name": "X"}, headers=user_auth)
    assert response.status_code == 400
    assert response.json == {
        "message": INVALID, "errors": {"redirect": ["Missing data for required field."]}}


def test_delete_revokes_the_client_and_its_tokens(app, client, user, user_auth):
    body = new_client(client, user_auth)
    token = client_credentials(client, body["id"], body["secret"]).json["access_token"]
    with app.app_context():
        row = db.session.get(OAuthClient, body["id"])
        refresh = issue_tokens(client=row, user_id=user.id, scopes=[], refresh=True)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/warehouses/getall", headers=bearer).status_code == 200

    response = client.delete(f"/oauth/clients/{body['id']}", headers=user_auth)
    assert response.status_code == 204 and response.get_data() == b""

    assert client.get("/api/v1/warehouses/getall", headers=bearer).status_code == 401
    assert client.get("/api/v1/warehouses/getall", headers={
        "Authorization": f"Bearer {refresh['access_token']}"}).status_code == 401
    assert client.get("/oauth/clients", headers=user_auth).json == []
    with app.app_context():
        assert db.session.get(OAuthClient, body["id"]).revoked
        assert all(t.revoked for t in db.session.scalars(
            sa.select(AccessToken).where(AccessToken.client_id == body["id"])))
        theirs = db.session.scalars(sa.select(RefreshToken).join(RefreshToken.access_token)
                                    .where(AccessToken.client_id == body["id"])).all()
        assert len(theirs) == 1 and theirs[0].revoked
        # The user's own refresh token, of the Web UI client, is untouched.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RefreshToken)
                                 .where(RefreshToken.revoked.is_(False))) == 1
    # Its credentials no longer get a token; the refresh token no longer works.
    assert client_credentials(client, body["id"], body["secret"]).status_code == 401
    assert client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh["refresh_token"],
        "client_id": body["id"], "client_secret": body["secret"]}).status_code in (400, 401)
    # A revoked client can be neither updated nor revoked again.
    assert client.put(f"/oauth/clients/{body['id']}", json={
        "name": "X", "redirect": "https://a.example"}, headers=user_auth).json == MISSING
    assert client.delete(f"/oauth/clients/{body['id']}", headers=user_auth).status_code == 404
    # The user's own token, of another client, still works.
    assert client.get("/oauth/clients", headers=user_auth).status_code == 200


@pytest.mark.parametrize("method", ["put", "delete"])
def test_another_users_client_is_not_found(app, client, user_auth, other_auth, method):
    theirs = new_client(client, other_auth)
    response = getattr(client, method)(f"/oauth/clients/{theirs['id']}", json={
        "name": "Mine now", "redirect": "https://evil.example"}, headers=user_auth)
    assert response.status_code == 404
    assert response.json == MISSING
    with app.app_context():
        row = db.session.get(OAuthClient, theirs["id"])
        assert (row.name, row.revoked) == ("Shop", False)
    assert client.get("/oauth/clients", headers=user_auth).json == []


@pytest.mark.parametrize("client_id", ["999", "abc", "1.5", "-1", "0x1", "99999999999", " 1"])
@pytest.mark.parametrize("method", ["put", "delete"])
def test_unknown_client_is_not_found(client, user_auth, client_id, method):
    response = getattr(client, method)(f"/oauth/clients/{client_id}", json={
        "name": "X", "redirect": "https://a.example"}, headers=user_auth)
    assert response.status_code == 404
    assert response.json == MISSING


def test_a_system_client_is_not_the_users(app, client, user_auth, oauth_client):
    """Clients made from the CLI have no user: nobody manages them here."""
    app_client, _secret = oauth_client
    assert client.delete(f"/oauth/clients/{app_client.id}", headers=user_auth).status_code == 404


@pytest.mark.parametrize("method, path", [
    ("get", "/oauth/clients"), ("post", "/oauth/clients"), ("put", "/oauth/clients/1"),
    ("delete", "/oauth/clients/1"),
])
def test_needs_a_users_token(client, auth, method, path):
    for headers in ({}, auth, {"Authorization": "Bearer nonsense"}):
        response = getattr(client, method)(path, json={}, headers=headers)
        assert response.status_code == 401
        assert response.json == UNAUTHENTICATED
