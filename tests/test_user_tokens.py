"""/oauth/tokens: a signed-in user lists and revokes the tokens they gave third-party clients."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken, OAuthClient, RefreshToken
from wms.models.base import utcnow
from wms.schemas.oauth import ClientSchema
from wms.services.clients import create_client
from wms.services.tokens import find_refresh_token, issue_access_token, issue_tokens
from wms.services.users import create_user

from tests.test_clients import OTHER_EMAIL, OTHER_PASSWORD, password_token

MISSING = {"message": "El token no existe."}
UNAUTHENTICATED = {"message": "Unauthenticated."}
TOKEN_KEYS = {"id", "user_id", "client_id", "name", "scopes", "revoked", "created_at",
              "updated_at", "expires_at", "client"}


@pytest.fixture
def third_party(app):
    """A third-party client (made by someone, used by the user): its row."""
    with app.app_context():
        row, _secret = create_client(name="Third party", redirect="https://third.example/cb")
        return row.id


@pytest.fixture
def personal_client(app):
    with app.app_context():
        row = OAuthClient(name="Personal Access Client", secret=None, redirect="",
                          personal_access_client=True, password_client=False, revoked=False)
        db.session.add(row)
        db.session.commit()
        return row.id


def issue(app, client_id, user_id, *, refresh=False, name=None, scopes=()):
    """(jwt, jti, refresh token or None) of a token of `client_id` for `user_id`."""
    with app.app_context():
        row = db.session.get(OAuthClient, client_id)
        if refresh:
            body = issue_tokens(client=row, user_id=user_id, scopes=list(scopes), refresh=True)
            jwt = body["access_token"]
            token = find_refresh_token(body["refresh_token"])
            return jwt, token.access_token_id, body["refresh_token"]
        jwt, token = issue_access_token(client=row, user_id=user_id, scopes=list(scopes),
                                        lifetime=3600, name=name)
        return jwt, token.id, None


def bearer(jwt):
    return {"Authorization": f"Bearer {jwt}"}


def test_lists_third_party_tokens_with_their_client(app, client, user, user_auth, third_party,
                                                    personal_client):
    _jwt, jti, _ = issue(app, third_party, user.id, scopes=["read"])
    issue(app, personal_client, user.id, name="my script")

    response = client.get("/oauth/tokens", headers=user_auth)
    assert response.status_code == 200
    third = [t for t in response.json if t["client_id"] == third_party]
    assert len(third) == 1
    token = third[0]
    assert set(token) == TOKEN_KEYS
    assert token["id"] == jti
    assert (token["user_id"], token["scopes"], token["revoked"], token["name"]) == (
        user.id, ["read"], False, None)
    assert len(token["expires_at"]) == 19 and token["expires_at"][10] == " "
    with app.app_context():
        assert token["client"] == ClientSchema().dump(db.session.get(OAuthClient, third_party))
    assert "secret" not in token["client"]
    assert all(not t["client"]["personal_access_client"] for t in response.json)
    assert personal_client not in [t["client_id"] for t in response.json]


def test_first_party_tokens_are_not_listed_but_may_be_revoked(app, client, user, user_auth):
    """Passport lists the tokens people gave third-party apps, not those of its own password
    and personal access clients (the scanner app's sign-in is no grant to review)."""
    listed = client.get("/oauth/tokens", headers=user_auth).json
    assert listed == []
    with app.app_context():
        own = db.session.scalars(sa.select(AccessToken.id)).one()

    assert client.delete(f"/oauth/tokens/{own}", headers=user_auth).status_code == 204
    assert client.get("/oauth/tokens", headers=user_auth).status_code == 401


def test_newest_first_and_only_live_tokens(app, client, user, user_auth, third_party):
    _, old, _ = issue(app, third_party, user.id)
    _, new, _ = issue(app, third_party, user.id)
    _, revoked, _ = issue(app, third_party, user.id)
    _, expired, _ = issue(app, third_party, user.id)
    with app.app_context():
        db.session.get(AccessToken, old).created_at -= timedelta(hours=1)
        db.session.get(AccessToken, revoked).revoked = True
        db.session.get(AccessToken, expired).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    ids = [t["id"] for t in client.get("/oauth/tokens", headers=user_auth).json
           if t["client_id"] == third_party]
    assert ids == [new, old]


def test_another_users_tokens_are_not_listed_nor_revoked(app, client, user, user_auth,
                                                         third_party):
    with app.app_context():
        other = create_user(name="Other", email=OTHER_EMAIL, password=OTHER_PASSWORD)
        other_id = other.id
    other_auth = password_token(app, client, OTHER_EMAIL, OTHER_PASSWORD)
    jwt, jti, _ = issue(app, third_party, other_id)

    assert jti not in [t["id"] for t in client.get("/oauth/tokens", headers=user_auth).json]
    response = client.delete(f"/oauth/tokens/{jti}", headers=user_auth)
    assert response.status_code == 404
    assert response.json == MISSING
    assert client.get("/api/v1/warehouses/getall", headers=bearer(jwt)).status_code == 200
    assert jti in [t["id"] for t in client.get("/oauth/tokens", headers=other_auth).json]


def test_delete_revokes_the_token_and_its_refresh_tokens(app, client, user, user_auth,
                                                         third_party):
    jwt, jti, refresh = issue(app, third_party, user.id, refresh=True)
    keep_jwt, keep, _ = issue(app, third_party, user.id)
    assert client.get("/api/v1/warehouses/getall", headers=bearer(jwt)).status_code == 200

    response = client.delete(f"/oauth/tokens/{jti}", headers=user_auth)
    assert response.status_code == 204 and response.get_data() == b""

    assert client.get("/api/v1/warehouses/getall", headers=bearer(jwt)).status_code == 401
    assert client.get("/api/v1/warehouses/getall", headers=bearer(keep_jwt)).status_code == 200
    listed = [t["id"] for t in client.get("/oauth/tokens", headers=user_auth).json]
    assert jti not in listed and keep in listed
    with app.app_context():
        assert db.session.get(AccessToken, jti).revoked
        assert all(r.revoked for r in db.session.scalars(
            sa.select(RefreshToken).where(RefreshToken.access_token_id == jti)))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RefreshToken).where(
            RefreshToken.access_token_id == jti)) == 1
        assert not db.session.get(OAuthClient, third_party).revoked


@pytest.mark.parametrize("token_id", ["unknown", "1", "x" * 101, "%20"])
def test_unknown_token_is_not_found(client, user_auth, token_id):
    response = client.delete(f"/oauth/tokens/{token_id}", headers=user_auth)
    assert response.status_code == 404
    assert response.json == MISSING


def test_lists_in_a_fixed_number_of_statements(app, client, user, user_auth, count_queries):
    with app.app_context():
        ids = [create_client(name=f"Third {n}")[0].id for n in range(2)]
    issue(app, ids[0], user.id)
    with count_queries() as one:
        assert len(client.get("/oauth/tokens", headers=user_auth).json) == 1
    for client_id in ids * 3:
        issue(app, client_id, user.id)
    with count_queries() as seven:
        assert len(client.get("/oauth/tokens", headers=user_auth).json) == 7
    assert len(seven) == len(one) <= 4
    assert sum("oauth_access_tokens" in s and "oauth_clients" in s for s in seven) >= 1


@pytest.mark.parametrize("method, path", [
    ("get", "/oauth/tokens"), ("delete", "/oauth/tokens/abc"),
])
def test_needs_a_users_token(client, auth, method, path):
    for headers in ({}, auth, {"Authorization": "Bearer nonsense"}):
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == 401
        assert response.json == UNAUTHENTICATED
