"""Per-user personal tokens in three families over one service: /oauth/personal-access-tokens
(Passport), /api/1.0/users/{user_id}/tokens (spec/04) and /api/v2/users/{id}/personal_tokens/
(spec/05)."""
import base64
import json
import logging
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

import wms.services.personal_tokens
from wms.access_tokens import presented_token
from wms.extensions import db
from wms.models import AccessToken
from wms.models.base import utcnow
from wms.services.clients import create_client
from wms.services.personal_tokens import token_presented
from wms.services.users import create_user

from tests.conftest import USER_EMAIL, USER_PASSWORD

V1 = "/api/1.0/users"
V2 = "/api/v2/users"
PASSPORT = "/oauth/personal-access-tokens"
READ_URL, WRITE_URL = "/api/v1/warehouses/getall", "/api/v1/warehouses/store"
UNAUTHENTICATED = {"message": "Unauthenticated."}
UNAUTHORIZED = {"message": "This action is unauthorized."}
INVALID_SCOPES = {"message": "Invalid scope(s) provided."}
TOKEN_MISSING = {"message": "El token no existe."}
USER_MISSING = {"message": "El usuario no existe."}
SCOPE_ERROR = {"scope": ["Must be a simple space-separated string with allowed scopes "
                         "['read', 'write']."]}
V2_FIELDS = ["application", "created", "description", "expires", "id", "modified",
             "refresh_token", "related", "scope", "summary_fields", "token", "type", "url",
             "user"]
V1_TOKEN_KEYS = {"id", "user_id", "client_id", "name", "scopes", "revoked", "created_at",
                 "updated_at", "expires_at", "last_used_at"}
ADMIN_EMAIL, OTHER_EMAIL, PASSWORD = "boss@store.example", "other@store.example", "pass phrase"
FAMILIES = ["passport", "v1", "v2"]


def bearer(jwt):
    return {"Authorization": f"Bearer {jwt}"}


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def people(app, user):
    """Ids of the clerk (`user`), an admin and another non-admin user; and a password client."""
    with app.app_context():
        admin = create_user(name="Boss", email=ADMIN_EMAIL, password=PASSWORD, is_admin=True)
        other = create_user(name="Other", email=OTHER_EMAIL, password=PASSWORD)
        password_client, secret = create_client(name="Web UI", password=True)
        return {"user": user.id, "admin": admin.id, "other": other.id,
                "client": (password_client.id, secret)}


@pytest.fixture
def login(client, people):
    """login(email, scope=None): a bearer header from the password grant."""
    def password_grant(email, scope=None):
        client_id, secret = people["client"]
        form = {"grant_type": "password", "client_id": client_id, "client_secret": secret,
                "username": email, "password": USER_PASSWORD if email == USER_EMAIL
                else PASSWORD}
        if scope is not None:
            form["scope"] = scope
        response = client.post("/oauth/token", data=form)
        assert response.status_code == 200, response.json
        return bearer(response.json["access_token"])

    return password_grant


def create(client, family, headers, user_id, scopes=("write",)):
    """Make a personal token through a family: (jwt, the response)."""
    if family == "passport":
        response = client.post(PASSPORT, json={"name": "cli", "scopes": list(scopes)},
                               headers=headers)
        return response.json.get("accessToken"), response
    if family == "v1":
        response = client.post(f"{V1}/{user_id}/tokens",
                               json={"name": "cli", "scopes": list(scopes)}, headers=headers)
        return response.json.get("accessToken"), response
    response = client.post(f"{V2}/{user_id}/personal_tokens/",
                           json={"description": "cli", "scope": " ".join(scopes)},
                           headers=headers)
    return response.json.get("token"), response


def number_of(app, jti):
    with app.app_context():
        return db.session.get(AccessToken, jti).number


def revoke(client, app, family, headers, user_id, jwt):
    jti = claims(jwt)["jti"]
    if family == "passport":
        return client.delete(f"{PASSPORT}/{jti}", headers=headers)
    if family == "v1":
        return client.delete(f"{V1}/{user_id}/tokens/{jti}", headers=headers)
    return client.delete(f"/api/v2/tokens/{number_of(app, jti)}/", headers=headers)


def listed(client, app, family, headers, user_id, jwt):
    jti = claims(jwt)["jti"]
    if family == "passport":
        return jti in [t["id"] for t in client.get(PASSPORT, headers=headers).json]
    if family == "v1":
        return jti in [t["id"] for t in client.get(f"{V1}/{user_id}/tokens",
                                                   headers=headers).json["data"]]
    numbers = [t["id"] for t in client.get(f"{V2}/{user_id}/personal_tokens/",
                                           headers=headers).json["results"]]
    return number_of(app, jti) in numbers


# --- Across the families -----------------------------------------------------------------


@pytest.mark.parametrize("made_by", FAMILIES)
@pytest.mark.parametrize("revoked_by", FAMILIES)
def test_made_in_one_family_listed_used_and_revoked_in_any(app, client, demo, people,
                                                           user_auth, made_by, revoked_by):
    uid = people["user"]
    jwt, response = create(client, made_by, user_auth, uid)
    assert response.status_code in (200, 201), response.json
    for family in FAMILIES:
        assert listed(client, app, family, user_auth, uid, jwt), family
    assert client.get(READ_URL, headers=bearer(jwt)).status_code == 200
    response = client.post(WRITE_URL, json={"name": "Norte", "store_id": 1},
                           headers=bearer(jwt))
    assert response.status_code == 201, response.json

    response = revoke(client, app, revoked_by, user_auth, uid, jwt)

    assert response.status_code == 204, response.json
    response = client.get(READ_URL, headers=bearer(jwt))
    assert response.status_code == 401
    assert response.json == UNAUTHENTICATED
    assert client.get(READ_URL, headers={"X-API-Key": jwt}).status_code == 401
    for family in FAMILIES:
        assert not listed(client, app, family, user_auth, uid, jwt), family


@pytest.mark.parametrize("family", FAMILIES)
def test_a_read_token_reads_but_does_not_write(client, demo, people, user_auth, family):
    jwt, response = create(client, family, user_auth, people["user"], scopes=("read",))
    assert response.status_code in (200, 201), response.json
    assert claims(jwt)["scopes"] == ["read"]

    assert client.get(READ_URL, headers=bearer(jwt)).status_code == 200
    response = client.post(WRITE_URL, json={"name": "Norte", "store_id": 1},
                           headers=bearer(jwt))
    assert response.status_code == 403
    assert response.json == INVALID_SCOPES


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("held,asked,allowed", [
    (("read",), ("read",), False),  # a read token changes nothing, token lists included
    (("read",), ("write",), False),
    (("read",), ("read", "write"), False),
    (("write",), ("read",), True),
    (("write",), ("read", "write"), True),
])
def test_a_token_grants_no_scope_it_does_not_hold(client, people, user_auth, family, held,
                                                  asked, allowed):
    holder, response = create(client, "v1", user_auth, people["user"], scopes=held)
    jwt, response = create(client, family, bearer(holder), people["user"], scopes=asked)
    if allowed:
        assert response.status_code in (200, 201), response.json
        assert claims(jwt)["scopes"] == list(asked)
    else:
        assert response.status_code == 403
        assert response.json == INVALID_SCOPES


@pytest.mark.parametrize("family", ["passport", "v1"])
def test_a_scoped_token_cannot_make_an_all_powers_token(client, people, user_auth, family):
    holder, _ = create(client, "v1", user_auth, people["user"], scopes=("write",))
    for scopes in ((), ("*",), ("users",)):
        _, response = create(client, family, bearer(holder), people["user"], scopes=scopes)
        assert response.status_code == 403, scopes
        assert response.json == INVALID_SCOPES


def test_a_signed_in_person_may_grant_anything(client, people):
    response = client.post("/login", json={"email": USER_EMAIL, "password": USER_PASSWORD})
    assert response.status_code == 200, response.json
    csrf = client.get_cookie("XSRF-TOKEN").value
    response = client.post(PASSPORT, json={"name": "all", "scopes": ["*"]},
                           headers={"X-XSRF-TOKEN": csrf})
    assert response.status_code == 200, response.json


# --- Permissions -------------------------------------------------------------------------


CALLERS = {
    # caller: (may manage the clerk's tokens, may manage another user's)
    "self": (True, False),
    "admin": (True, True),
    "admin_users_scope": (True, True),
    "other": (False, False),
    "non_admin_users_scope": (True, False),  # the clerk, with a `users`-scoped token
    "client_credentials": (False, False),
}


@pytest.fixture
def caller(login, auth, user_auth):
    def headers(name):
        return {"self": lambda: user_auth,
                "admin": lambda: login(ADMIN_EMAIL),
                "admin_users_scope": lambda: login(ADMIN_EMAIL, "users"),
                "other": lambda: login(OTHER_EMAIL),
                "non_admin_users_scope": lambda: login(USER_EMAIL, "users"),
                "client_credentials": lambda: auth}[name]()
    return headers


@pytest.mark.parametrize("name", CALLERS)
def test_permission_table(app, client, people, user_auth, caller, name):
    headers = caller(name)
    may, _ = CALLERS[name]
    jwt, _ = create(client, "v1", user_auth, people["user"], scopes=("read",))
    jti = claims(jwt)["jti"]
    number = number_of(app, jti)
    uid = people["user"]
    scopes = ["users"] if name.endswith("users_scope") else ["read"]
    requests = [
        ("GET", f"{V1}/{uid}/tokens", None, 200),
        ("POST", f"{V1}/{uid}/tokens", {"name": "x", "scopes": scopes}, 201),
        ("GET", f"{V1}/{uid}/tokens/{jti}", None, 200),
        ("GET", f"{V2}/{uid}/personal_tokens/", None, 200),
        ("GET", f"/api/v2/tokens/{number}/", None, 200),
    ]
    for method, url, body, status in requests:
        response = client.open(url, method=method, json=body, headers=headers)
        if may:
            assert response.status_code == status, (url, response.json)
        elif url.startswith("/api/v2/tokens"):
            assert (response.status_code, response.json) == (404, TOKEN_MISSING)
        else:
            assert (response.status_code, response.json) == (403, UNAUTHORIZED), url
    response = client.post(f"{V2}/{uid}/personal_tokens/", json={"scope": "read"},
                           headers=headers)
    if name.endswith("users_scope"):  # may manage, but a `users` token grants no `read`
        assert (response.status_code, response.json) == (403, INVALID_SCOPES)
    else:
        assert response.status_code == (201 if may else 403)
    response = client.delete(f"/api/v2/tokens/{number}/", headers=headers)
    assert response.status_code == (204 if may else 404)
    response = client.delete(f"{V1}/{uid}/tokens/{jti}", headers=headers)
    assert response.status_code == (204 if may else 403)  # revoked again: harmless


@pytest.mark.parametrize("name", CALLERS)
def test_managing_another_users_tokens(client, people, caller, name):
    headers = caller(name)
    _, may = CALLERS[name]
    uid = people["other"] if name != "other" else people["user"]
    for method, url in (("GET", f"{V1}/{uid}/tokens"), ("GET", f"{V2}/{uid}/personal_tokens/")):
        response = client.open(url, method=method, headers=headers)
        assert response.status_code == (200 if may else 403), (name, url)


def test_an_admin_makes_a_token_for_another_user(client, people, login):
    admin = login(ADMIN_EMAIL)
    jwt, response = create(client, "v2", admin, people["other"], scopes=("read", "write"))
    assert response.status_code == 201
    assert response.json["user"] == people["other"]
    assert claims(jwt)["sub"] == str(people["other"])
    assert client.get("/api/users", headers=bearer(jwt)).json["email"] == OTHER_EMAIL


@pytest.mark.parametrize("url", [f"{V1}/1/tokens", f"{V1}/1/tokens/abc",
                                 f"{V2}/1/personal_tokens/", "/api/v2/tokens/1/"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"},
                                     {"X-API-Key": "nonsense"}, {"Authorization": "Basic eA=="}])
def test_no_valid_token_is_401(client, people, url, headers):
    for method in ("GET", "POST", "DELETE"):
        response = client.open(url, method=method, headers=headers, json={})
        if response.status_code == 405:
            continue
        assert response.status_code == 401, (method, url)
        assert response.json == UNAUTHENTICATED


@pytest.mark.parametrize("prefix", ["", "Bearer ", "token "])
def test_the_token_may_come_in_x_api_key(client, demo, people, user_auth, prefix):
    jwt, _ = create(client, "v1", user_auth, people["user"])
    key = {"X-API-Key": prefix + jwt}
    assert client.get(f"{V1}/{people['user']}/tokens", headers=key).status_code == 200
    assert client.get(READ_URL, headers=key).status_code == 200
    # The Authorization header wins when both come.
    both = {**key, "Authorization": "Bearer nonsense"}
    assert client.get(READ_URL, headers=both).status_code == 401


def test_x_api_key_with_another_scheme_is_401(client, people, user_auth):
    jwt, _ = create(client, "v1", user_auth, people["user"])
    assert client.get(READ_URL, headers={"X-API-Key": f"Basic {jwt}"}).status_code == 401


# --- /api/1.0 -----------------------------------------------------------------------------


def test_v1_create_show_and_list(app, client, people, user_auth):
    uid = people["user"]
    response = client.post(f"{V1}/{uid}/tokens", json={"name": "Scanner", "scopes": ["read"]},
                           headers=user_auth)
    assert response.status_code == 201
    assert set(response.json) == {"accessToken", "token"}
    token = response.json["token"]
    assert set(token) == V1_TOKEN_KEYS
    assert token["id"] == claims(response.json["accessToken"])["jti"]
    assert (token["user_id"], token["name"], token["scopes"], token["revoked"]) == (
        uid, "Scanner", ["read"], False)
    assert token["last_used_at"] is None

    shown = client.get(f"{V1}/{uid}/tokens/{token['id']}", headers=user_auth)
    assert shown.status_code == 200
    assert shown.json == token

    listing = client.get(f"{V1}/{uid}/tokens", headers=user_auth)
    assert listing.status_code == 200
    assert list(listing.json) == ["data", "meta"]
    assert listing.json["data"] == [token]
    meta = listing.json["meta"]
    assert (meta["current_page"], meta["per_page"], meta["total"], meta["last_page"],
            meta["from"], meta["to"], meta["count"], meta["total_pages"]) == (
        1, 15, 1, 1, 1, 1, 1, 1)
    assert response.json["accessToken"] not in listing.get_data(as_text=True)


def test_v1_pages(client, people, user_auth):
    uid = people["user"]
    for n in range(5):
        create(client, "v1", user_auth, uid)
    response = client.get(f"{V1}/{uid}/tokens?per_page=2&page=3", headers=user_auth)
    assert len(response.json["data"]) == 1
    meta = response.json["meta"]
    assert (meta["total"], meta["last_page"], meta["current_page"], meta["from"],
            meta["to"]) == (5, 3, 3, 5, 5)
    assert meta["next_page_url"] is None
    assert meta["prev_page_url"].endswith("per_page=2&page=2")
    empty = client.get(f"{V1}/{uid}/tokens?per_page=2&page=9", headers=user_auth).json
    assert empty["data"] == [] and empty["meta"]["from"] is None


def test_v1_shows_a_revoked_token_but_lists_only_live_ones(app, client, people, user_auth):
    uid = people["user"]
    jwt, _ = create(client, "v1", user_auth, uid)
    expired, _ = create(client, "v1", user_auth, uid)
    with app.app_context():
        db.session.get(AccessToken, claims(expired)["jti"]).expires_at = utcnow()
        db.session.commit()
    jti = claims(jwt)["jti"]
    assert client.delete(f"{V1}/{uid}/tokens/{jti}", headers=user_auth).status_code == 204
    assert client.delete(f"{V1}/{uid}/tokens/{jti}", headers=user_auth).status_code == 204
    assert client.get(f"{V1}/{uid}/tokens/{jti}", headers=user_auth).json["revoked"] is True
    assert client.get(f"{V1}/{uid}/tokens", headers=user_auth).json["data"] == []


def test_v1_expiry(client, people, user_auth):
    moment = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    response = client.post(f"{V1}/{people['user']}/tokens", headers=user_auth, json={
        "name": "short", "expires_at": moment.strftime("%Y-%m-%d %H:%M:%S")})
    assert response.json["token"]["expires_at"] == moment.strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("user_id", ["abc", "0", "-1", "1.5", "99999999999999999999",
                                     "%20", "1e3", "\u0661"])
def test_v1_bad_user_ids_are_404(client, people, login, user_id):
    admin = login(ADMIN_EMAIL)
    for method, url in (("GET", f"{V1}/{user_id}/tokens"), ("POST", f"{V1}/{user_id}/tokens"),
                        ("GET", f"{V1}/{user_id}/tokens/x"),
                        ("DELETE", f"{V1}/{user_id}/tokens/x"),
                        ("GET", f"{V2}/{user_id}/personal_tokens/"),
                        ("POST", f"{V2}/{user_id}/personal_tokens/")):
        response = client.open(url, method=method, headers=admin, json={"name": "x"})
        assert response.status_code == 404, (method, url)
        assert response.json == USER_MISSING


def test_unknown_user(client, people, login, user_auth):
    admin = login(ADMIN_EMAIL)
    response = client.get(f"{V1}/999999/tokens", headers=admin)
    assert (response.status_code, response.json) == (404, USER_MISSING)
    # Someone who may not manage users learns nothing about who exists.
    response = client.get(f"{V1}/999999/tokens", headers=user_auth)
    assert (response.status_code, response.json) == (403, UNAUTHORIZED)


@pytest.mark.parametrize("token_id", ["unknown", "x" * 101, "%20", "1", "9" * 30])
def test_v1_unknown_token_is_404(client, people, user_auth, token_id):
    for method in ("GET", "DELETE"):
        response = client.open(f"{V1}/{people['user']}/tokens/{token_id}", method=method,
                               headers=user_auth)
        assert (response.status_code, response.json) == (404, TOKEN_MISSING)


def test_v1_another_users_token_is_404(client, people, user_auth, login):
    other = login(OTHER_EMAIL)
    jwt, _ = create(client, "v1", other, people["other"])
    jti = claims(jwt)["jti"]
    response = client.get(f"{V1}/{people['user']}/tokens/{jti}", headers=user_auth)
    assert (response.status_code, response.json) == (404, TOKEN_MISSING)


def test_v1_a_password_grant_token_is_no_personal_token(client, people, user_auth,
                                                        user_token):
    jti = claims(user_token)["jti"]
    response = client.delete(f"{V1}/{people['user']}/tokens/{jti}", headers=user_auth)
    assert (response.status_code, response.json) == (404, TOKEN_MISSING)


@pytest.mark.parametrize("body,field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": 5}, "name"),
    ({"name": ["a"]}, "name"),
    ({"name": "x" * 256}, "name"),
    ({"name": "x", "scopes": ["read", "admin"]}, "scopes"),
    ({"name": "x", "scopes": [1]}, "scopes"),
    ({"name": "x", "scopes": {"read": True}}, "scopes"),
    ({"name": "x", "scopes": 7}, "scopes"),
    ({"name": "x", "expires_at": "yesterday"}, "expires_at"),
    ({"name": "x", "expires_at": "2001-01-01 00:00:00"}, "expires_at"),
])
def test_v1_bad_input(client, people, user_auth, body, field):
    response = client.post(f"{V1}/{people['user']}/tokens", json=body, headers=user_auth)
    assert response.status_code == 400, response.json
    assert response.json["message"] == "Parametros no validos."
    assert list(response.json["errors"]) == [field]


def test_v1_scopes_as_a_string_and_unknown_fields(client, people, user_auth):
    response = client.post(f"{V1}/{people['user']}/tokens", headers=user_auth,
                           json={"name": "x", "scopes": "read write", "colour": "red",
                                 "id": 5, "user_id": 99})
    assert response.status_code == 201
    assert response.json["token"]["scopes"] == ["read", "write"]
    assert response.json["token"]["user_id"] == people["user"]


@pytest.mark.parametrize("query", ["per_page=0", "per_page=x", "per_page=100000", "page=0",
                                   "page=-1", "page=1.5", "per_page=99999999999999999999"])
def test_v1_bad_pages(client, people, user_auth, query):
    response = client.get(f"{V1}/{people['user']}/tokens?{query}", headers=user_auth)
    assert response.status_code == 400
    assert response.json["message"] == "Parametros no validos."


def test_bad_json_is_400(client, people, user_auth):
    for url in (f"{V1}/{people['user']}/tokens", f"{V2}/{people['user']}/personal_tokens/"):
        for data in ("{", "[1]", '"x"'):
            response = client.post(url, data=data, content_type="application/json",
                                   headers=user_auth)
            assert response.status_code == 400, (url, data)


# --- /api/v2 ------------------------------------------------------------------------------


def test_v2_create_answers_the_specs_fields(app, client, people, user_auth):
    uid = people["user"]
    response = client.post(f"{V2}/{uid}/personal_tokens/",
                           json={"description": "Handheld 3", "scope": "read"},
                           headers=user_auth)

    assert response.status_code == 201
    body = response.json
    assert sorted(body) == V2_FIELDS
    types = {"application": int, "created": str, "description": str, "expires": str,
             "id": int, "modified": str, "refresh_token": str, "related": str, "scope": str,
             "summary_fields": str, "token": str, "type": str, "url": str, "user": int}
    for key, kind in types.items():
        assert type(body[key]) is kind, key
    assert body["description"] == "Handheld 3"
    assert body["scope"] == "read"
    assert body["user"] == uid
    assert body["type"] == "o_auth2_access_token"
    assert body["url"] == f"/api/v2/tokens/{body['id']}/"
    assert body["related"] == f"/api/v2/users/{uid}/personal_tokens/"
    assert json.loads(body["summary_fields"])["user"]["id"] == uid
    jwt = body["token"]
    assert claims(jwt)["scopes"] == ["read"] and claims(jwt)["sub"] == str(uid)
    expires = datetime.strptime(body["expires"], "%Y-%m-%dT%H:%M:%SZ")
    assert expires > utcnow() + timedelta(days=360)
    with app.app_context():
        row = db.session.get(AccessToken, claims(jwt)["jti"])
        assert row.number == body["id"]
        assert body["application"] == row.client_id

    listing = client.get(f"{V2}/{uid}/personal_tokens", headers=user_auth)
    assert listing.status_code == 200
    assert list(listing.json) == ["count", "next", "previous", "results"]
    assert listing.json["count"] == 1
    (shown,) = listing.json["results"]
    assert shown == {**body, "token": "************"}
    assert jwt not in listing.get_data(as_text=True)
    single = client.get(f"/api/v2/tokens/{body['id']}", headers=user_auth)
    assert single.json == shown


def test_v2_defaults_to_write_and_an_empty_description(client, people, user_auth):
    response = client.post(f"{V2}/{people['user']}/personal_tokens/", headers=user_auth)
    assert response.status_code == 201
    assert (response.json["scope"], response.json["description"]) == ("write", "")
    assert claims(response.json["token"])["scopes"] == ["write"]


@pytest.mark.parametrize("scope,stored", [("read write", ["read", "write"]),
                                          ("write read", ["read", "write"]),
                                          ("  read ", ["read"]), ("read read", ["read"])])
def test_v2_scopes(client, people, user_auth, scope, stored):
    response = client.post(f"{V2}/{people['user']}/personal_tokens/", headers=user_auth,
                           json={"scope": scope})
    assert response.status_code == 201
    assert claims(response.json["token"])["scopes"] == stored
    assert response.json["scope"] == " ".join(stored)


def test_v2_ids_increase_and_are_not_the_jti(client, people, user_auth):
    ids = [create(client, "v2", user_auth, people["user"])[1].json["id"] for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3


@pytest.mark.parametrize("scope", ["admin", "read,write", "users", "*", "", "   ", 5, True,
                                   None, ["read"], {"read": 1}, "read\twrite", "read\nwrite",
                                   "x" * 1000])
def test_v2_bad_scope(client, people, user_auth, scope):
    response = client.post(f"{V2}/{people['user']}/personal_tokens/", json={"scope": scope},
                           headers=user_auth)
    assert response.status_code == 400
    assert response.json == SCOPE_ERROR


def test_v2_bad_scope_in_a_query_string(client, people, user_auth):
    response = client.post(f"{V2}/{people['user']}/personal_tokens/?scope=admin",
                           headers=user_auth)
    assert (response.status_code, response.json) == (400, SCOPE_ERROR)


@pytest.mark.parametrize("description", [5, ["x"], {"a": 1}, "x" * 256, "a\x00b"])
def test_v2_bad_description(client, people, user_auth, description):
    response = client.post(f"{V2}/{people['user']}/personal_tokens/",
                           json={"description": description}, headers=user_auth)
    assert response.status_code == 400
    assert list(response.json) == ["description"]


def test_v2_read_only_fields_are_ignored(client, people, user_auth):
    response = client.post(f"{V2}/{people['user']}/personal_tokens/", headers=user_auth,
                           json={"id": 77, "user": 99, "token": "mine", "expires": "x"})
    assert response.status_code == 201
    assert response.json["user"] == people["user"] and response.json["token"] != "mine"


def test_v2_pages(client, people, user_auth):
    uid = people["user"]
    for n in range(5):
        create(client, "v2", user_auth, uid)
    first = client.get(f"{V2}/{uid}/personal_tokens/?page_size=2", headers=user_auth).json
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"] == f"{V2}/{uid}/personal_tokens/?page_size=2&page=2"
    last = client.get(first["next"].replace("page=2", "page=3"), headers=user_auth).json
    assert len(last["results"]) == 1 and last["next"] is None
    seen = [t["id"] for page in (1, 2, 3) for t in client.get(
        f"{V2}/{uid}/personal_tokens/?page_size=2&page={page}", headers=user_auth
    ).json["results"]]
    assert len(set(seen)) == 5


@pytest.mark.parametrize("query,field", [("page=0", "page"), ("page=x", "page"),
                                         ("page_size=0", "page_size"),
                                         ("page_size=100000", "page_size")])
def test_v2_bad_pages(client, people, user_auth, query, field):
    response = client.get(f"{V2}/{people['user']}/personal_tokens/?{query}", headers=user_auth)
    assert response.status_code == 400
    assert list(response.json) == [field]


@pytest.mark.parametrize("token_id", ["abc", "0", "-1", "99999999999", "1.0", "999"])
def test_v2_unknown_token_is_404(client, people, user_auth, token_id):
    for method in ("GET", "DELETE"):
        response = client.open(f"/api/v2/tokens/{token_id}/", method=method, headers=user_auth)
        assert (response.status_code, response.json) == (404, TOKEN_MISSING)


def test_v2_another_users_token_is_404(client, people, user_auth, login):
    _, response = create(client, "v2", login(OTHER_EMAIL), people["other"])
    number = response.json["id"]
    for method in ("GET", "DELETE"):
        response = client.open(f"/api/v2/tokens/{number}/", method=method, headers=user_auth)
        assert (response.status_code, response.json) == (404, TOKEN_MISSING)


def test_v2_lists_tokens_made_elsewhere_with_their_scopes(client, people, user_auth):
    create(client, "passport", user_auth, people["user"], scopes=())
    results = client.get(f"{V2}/{people['user']}/personal_tokens/",
                         headers=user_auth).json["results"]
    assert [(t["scope"], t["description"]) for t in results] == [("", "cli")]


# --- Cost, last use and logs ----------------------------------------------------------------


@pytest.mark.parametrize("url,size", [(f"{V1}/{{}}/tokens?per_page={{}}", "per_page"),
                                      (f"{V2}/{{}}/personal_tokens/?page_size={{}}",
                                       "page_size")])
def test_lists_run_the_same_statements_at_any_page_size(client, people, user_auth,
                                                        count_queries, url, size):
    uid = people["user"]
    for n in range(6):
        create(client, "v1", user_auth, uid)
    counts = []
    for per_page in (1, 3, 50):
        with count_queries() as statements:
            response = client.get(url.format(uid, per_page), headers=user_auth)
        assert response.status_code == 200
        counts.append(len(statements))
    # token lookup (with its client's and user's flags), the user whose tokens these are,
    # count, page
    assert counts == [4, 4, 4]


def _updates(statements):
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE")
            and "last_used_at" in s]


def test_last_used_at_is_written_at_most_once_a_minute(app, client, demo, people, user_auth,
                                                       count_queries, monkeypatch):
    jwt, _ = create(client, "v1", user_auth, people["user"])
    jti = claims(jwt)["jti"]
    before = utcnow().replace(microsecond=0)
    with count_queries() as first:
        assert client.get(READ_URL, headers=bearer(jwt)).status_code == 200
    after = utcnow()
    # The later uses happen within 59 seconds of the first, whatever the real clock says.
    monkeypatch.setattr(wms.services.personal_tokens, "utcnow",
                        lambda: before + timedelta(seconds=59))
    with count_queries() as later:
        for _ in range(3):
            assert client.get(READ_URL, headers=bearer(jwt)).status_code == 200
        assert client.post(WRITE_URL, json={"name": "N", "store_id": 1},
                           headers=bearer(jwt)).status_code == 201
    assert len(_updates(first)) == 1
    assert _updates(later) == []
    monkeypatch.undo()
    with app.app_context():
        row = db.session.get(AccessToken, jti)
        used = row.last_used_at
        assert used is not None and before <= used <= after
        row.last_used_at = used - timedelta(seconds=61)
        db.session.commit()
        db.session.refresh(row)  # as stored (MariaDB keeps no microseconds)
        updated = row.updated_at
    shown = client.get(f"{V1}/{people['user']}/tokens/{jti}", headers=user_auth).json
    assert shown["last_used_at"] == (used - timedelta(seconds=61)).strftime(
        "%Y-%m-%d %H:%M:%S")
    with count_queries() as stale:
        assert client.get(READ_URL, headers=bearer(jwt)).status_code == 200
    assert len(_updates(stale)) == 1
    with app.app_context():
        row = db.session.get(AccessToken, jti)
        assert row.last_used_at >= used
        assert row.updated_at == updated  # a use is no change of the token


def test_a_concurrent_server_that_wrote_last_used_at_first_wins(app, client, people, user_auth):
    jwt, _ = create(client, "v1", user_auth, people["user"])
    jti = claims(jwt)["jti"]
    fresh = utcnow().replace(microsecond=0)
    with app.app_context():
        row = db.session.get(AccessToken, jti)
        row.last_used_at = fresh - timedelta(minutes=5)
        db.session.commit()
        seen = presented_token(jwt)
        # Another server writes it after this one read the stale value.
        db.session.execute(sa.update(AccessToken).where(AccessToken.id == jti)
                           .values(last_used_at=fresh))
        db.session.commit()
        token_presented(seen, now=fresh + timedelta(seconds=10))
        db.session.expire_all()
        assert db.session.get(AccessToken, jti).last_used_at == fresh


def test_other_tokens_are_not_written_on_use(client, demo, auth, count_queries):
    client.get(READ_URL, headers=auth)
    with count_queries() as statements:
        client.get(READ_URL, headers=auth)
    assert _updates(statements) == []


def test_create_revoke_and_use_after_revoke_are_logged_without_the_token(
        app, client, demo, people, user_auth, caplog):
    caplog.set_level(logging.INFO, logger="wms.tokens")
    uid = people["user"]
    made = []
    for family in FAMILIES:
        jwt, _ = create(client, family, user_auth, uid)
        made.append((family, jwt))
    for family, jwt in made:
        assert revoke(client, app, family, user_auth, uid, jwt).status_code == 204
        assert client.get(READ_URL, headers=bearer(jwt)).status_code == 401

    records = [r for r in caplog.records if r.name == "wms.tokens"]
    messages = [r.getMessage() for r in records]
    for _, jwt in made:
        jti = claims(jwt)["jti"]
        mine = [m for m in messages if f"token={jti[:8]} " in m]
        assert [m.split(":")[0] for m in mine] == [
            "personal token created", "personal token revoked", "revoked token presented"]
        assert all(f"user={uid} " in m for m in mine)
    text = caplog.text + "".join(messages)
    for _, jwt in made:
        assert jwt not in text
        assert claims(jwt)["jti"] not in text
        assert jwt.split(".")[2] not in text


# --- What a token may do with tokens ---------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_a_read_token_revokes_nothing(client, people, user_auth, family):
    uid = people["user"]
    victim, _ = create(client, family, user_auth, uid, scopes=("write",))
    reader, _ = create(client, family, user_auth, uid, scopes=("read",))

    response = revoke(client, client.application, family, bearer(reader), uid, victim)

    assert (response.status_code, response.json) == (403, INVALID_SCOPES)
    assert client.get(READ_URL, headers=bearer(victim)).status_code == 200


@pytest.mark.parametrize("method, path, body", [
    ("post", "/oauth/clients", {"name": "x", "redirect": "https://a.example/cb"}),
    ("delete", "/oauth/tokens/" + "0" * 80, None),
])
def test_a_read_token_changes_no_client_and_no_token(client, people, user_auth, method,
                                                     path, body):
    reader, _ = create(client, "v1", user_auth, people["user"], scopes=("read",))

    response = getattr(client, method)(path, json=body, headers=bearer(reader))

    assert (response.status_code, response.json) == (403, INVALID_SCOPES)


@pytest.mark.parametrize("family", ["passport", "v1"])
def test_a_token_never_outlives_the_token_that_made_it(app, client, people, user_auth,
                                                       family):
    uid = people["user"]
    soon = (utcnow() + timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M:%S")
    short = client.post(f"{V1}/{uid}/tokens", headers=user_auth,
                        json={"name": "short", "scopes": ["write"], "expires_at": soon})
    assert short.status_code == 201
    short_auth = bearer(short.json["accessToken"])
    short_exp = claims(short.json["accessToken"])["exp"]

    made, response = create(client, family, short_auth, uid, scopes=("write",))

    assert response.status_code in (200, 201), response.json
    assert claims(made)["exp"] <= short_exp
    later = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    path = PASSPORT if family == "passport" else f"{V1}/{uid}/tokens"
    response = client.post(path, headers=short_auth,
                           json={"name": "long", "scopes": ["write"], "expires_at": later})
    assert response.status_code == 400
    assert list(response.json["errors"]) == ["expires_at"]


def test_a_token_may_not_be_asked_to_live_past_the_lifetime(app, client, people, user_auth):
    response = client.post(f"{V1}/{people['user']}/tokens", headers=user_auth,
                           json={"name": "x", "expires_at": "9999-12-31 23:59:59"})

    assert response.status_code == 400
    assert response.json["errors"]["expires_at"][0].startswith("Must not be later than ")


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_an_expiry_out_of_range_in_utc_is_a_400(client, people, user_auth, moment):
    response = client.post(f"{V1}/{people['user']}/tokens", headers=user_auth,
                           json={"name": "x", "expires_at": moment})

    assert response.status_code == 400
    assert list(response.json["errors"]) == ["expires_at"]


def test_a_revoked_token_is_gone_from_v2_and_revoking_again_writes_nothing(
        app, client, people, user_auth, count_queries):
    jwt, _ = create(client, "v2", user_auth, people["user"])
    number = number_of(app, claims(jwt)["jti"])
    assert client.delete(f"/api/v2/tokens/{number}/", headers=user_auth).status_code == 204

    assert client.get(f"/api/v2/tokens/{number}/", headers=user_auth).status_code == 404
    with count_queries() as statements:
        response = client.delete(f"{V1}/{people['user']}/tokens/{claims(jwt)['jti']}",
                                 headers=user_auth)
    assert response.status_code == 204
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
