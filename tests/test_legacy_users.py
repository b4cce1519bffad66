"""The users side of the 2019 clients (spec/06 6.14, W19-W24, A1-A2): user/authenticate, create,
getusers, update/{id}, delete/{id}, getprofile and roles/getall, called exactly as the web UI and
the scanner app call them, without the legacy bugs (no hashes, real validation, permissions)."""
import json
import re

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken, Movement, RefreshToken, Role, User, UserRole
from wms.models.base import utcnow
from wms.services import in_transaction
from wms.services.clients import create_client
from wms.services.personal_tokens import create_personal_token
from wms.services.users import create_user

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD

V1 = "/api/v1"
UNAUTHORIZED = {"message": "This action is unauthorized."}
UNAUTHENTICATED = {"message": "Unauthenticated."}
USER_NOT_FOUND = {"status": "error", "code": 404, "message": "Usuario no encontrado"}
WRONG_CREDENTIALS = {"status": "error", "code": 404,
                     "message": "Usuario o contraseña no encontrados"}
PAGE_KEYS = ["current_page", "data", "first_page_url", "from", "last_page", "last_page_url",
             "next_page_url", "path", "per_page", "prev_page_url", "to", "total"]
ROW_KEYS = ["id", "name", "email", "address", "created_at", "updated_at", "roles"]
ROLE_KEYS = ["id", "name", "guard_name", "created_at", "updated_at"]
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
NEW = {"name": "Nuevo", "email": "nuevo@store.example", "password": "long enough",
       "address": "Av. Juarez 10", "rol": "user"}


def web(token):
    """The web UI's headers on every call (its static token)."""
    return {"Accept": "application/json", "Content-Type": "application/json",
            "Authorization": f"Bearer {token}"}


def post_json(client, url, body, headers):
    return client.post(url, data=json.dumps(body), headers=headers)


def client_token(app, client, *, admin):
    with app.app_context():
        made, secret = create_client(name="Web UI", admin=admin)
    response = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": made.id, "client_secret": secret})
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def personal(app, email):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        jwt, _ = create_personal_token(user, "test", [])
    return jwt


@pytest.fixture
def ui(app, client):
    """The web UI's headers: its static token, of a client made with `--admin`."""
    return web(client_token(app, client, admin=True))


@pytest.fixture
def plain(app, client):
    """A client-credentials token of a client that is not an admin one."""
    return web(client_token(app, client, admin=False))


def user_row(app, email):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        return {"id": user.id, "is_admin": user.is_admin, "address": user.address,
                "name": user.name, "deleted_at": user.deleted_at,
                "roles": [link.role.name for link in user.role_links]}


def assert_no_secrets(app, *bodies):
    """No answer holds a password, a hash of one, or a `password` key in a user."""
    with app.app_context():
        hashes = db.session.scalars(sa.select(User.password)).all()
    for body in bodies:
        text = body.decode() if isinstance(body, bytes) else json.dumps(body)
        for secret in [*hashes, USER_PASSWORD, ADMIN_PASSWORD, NEW["password"], "scrypt:",
                       "pbkdf2:", '"password":']:
            if secret == '"password":' and '"errors"' in text:
                continue  # a field error names the field, not a value
            assert secret not in text, text


# --- user/authenticate (W19) ------------------------------------------------------------------

def test_authenticate_answers_the_user_without_the_password(app, client, ui, user):
    response = post_json(client, f"{V1}/user/authenticate",
                         {"email": USER_EMAIL, "password": USER_PASSWORD}, ui)
    assert response.status_code == 200
    body = response.json
    assert list(body) == ["status", "code", "user"]
    assert body["status"] == "success" and body["code"] == 200
    [row] = body["user"]
    assert list(row) == ROW_KEYS
    assert row["email"] == USER_EMAIL and row["roles"][0]["name"] == "user"
    assert_no_secrets(app, response.data)
    # It signs nobody in and issues no token.
    assert "Set-Cookie" not in response.headers
    assert "token" not in response.get_data(as_text=True)


@pytest.mark.parametrize("email, password", [
    (USER_EMAIL, "wrong password"), ("nobody@store.example", USER_PASSWORD),
    (USER_EMAIL.upper(), "wrong password")])
def test_authenticate_wrong_credentials_is_the_404_the_ui_acts_on(client, ui, user, email,
                                                                  password):
    response = post_json(client, f"{V1}/user/authenticate",
                         {"email": email, "password": password}, ui)
    assert response.status_code == 404
    assert response.json == WRONG_CREDENTIALS


def test_authenticate_checks_a_password_for_an_unknown_email_too(client, ui, user, monkeypatch):
    """As slow for an unknown email as for a wrong password: both check one hash."""
    from wms.services import users as service
    checked = []
    real = service.check_password
    monkeypatch.setattr(service, "check_password",
                        lambda hashed, plain: checked.append(hashed) or real(hashed, plain))
    for email in (USER_EMAIL, "nobody@store.example"):
        post_json(client, f"{V1}/user/authenticate", {"email": email, "password": "x"}, ui)
    assert len(checked) == 2 and all(checked)


@pytest.mark.parametrize("body, fields", [
    ({}, {"email", "password"}),
    ({"email": "not an email", "password": "x"}, {"email"}),
    ({"email": 5, "password": ["x"]}, {"email", "password"}),
    ({"email": USER_EMAIL, "password": ""}, {"password"}),
    ({"email": None, "password": None}, {"email", "password"}),
])
def test_authenticate_invalid_input_is_a_422_the_ui_shows(client, ui, user, body, fields):
    response = post_json(client, f"{V1}/user/authenticate", body, ui)
    assert response.status_code == 422
    assert response.json["status"] == "fail"
    assert response.json["message"].startswith("Validacion fallida ")
    assert set(response.json["data"]["errors"]) == fields


def test_authenticate_takes_the_web_uis_token_and_refuses_none(client, ui, plain, user):
    body = {"email": USER_EMAIL, "password": USER_PASSWORD}
    assert post_json(client, f"{V1}/user/authenticate", body, plain).status_code == 200
    response = post_json(client, f"{V1}/user/authenticate", body,
                         {"Content-Type": "application/json"})
    assert response.status_code == 401 and response.json == UNAUTHENTICATED


def test_authenticate_is_rate_limited_like_the_other_sign_ins(app, client, ui, user):
    app.config["LOGIN_RATE_LIMIT"] = "2 per hour"
    body = {"email": USER_EMAIL, "password": "wrong"}
    statuses = [post_json(client, f"{V1}/user/authenticate", body, ui).status_code
                for _ in range(3)]
    assert statuses == [404, 404, 429]


# --- user/create (W20) ------------------------------------------------------------------------

def test_create_makes_a_user_with_the_role_it_names(app, client, ui):
    response = post_json(client, f"{V1}/user/create", NEW, ui)
    assert response.status_code == 200
    assert response.json == {"status": "success", "code": 200, "message": "Usuario creado"}
    row = user_row(app, NEW["email"])
    assert row["roles"] == ["user"] and row["is_admin"] is False
    assert row["address"] == NEW["address"]

    response = post_json(client, f"{V1}/user/create",
                         {**NEW, "email": "jefa@store.example", "rol": "admin"}, ui)
    assert response.status_code == 200
    row = user_row(app, "jefa@store.example")
    assert row["roles"] == ["admin"] and row["is_admin"] is True
    # The new user signs in with the password given.
    response = post_json(client, f"{V1}/user/authenticate",
                         {"email": NEW["email"], "password": NEW["password"]}, ui)
    assert response.json["status"] == "success"


def test_create_without_rol_gives_the_user_role(app, client, ui):
    body = {key: value for key, value in NEW.items() if key != "rol"}
    assert post_json(client, f"{V1}/user/create", body, ui).status_code == 200
    assert user_row(app, NEW["email"])["roles"] == ["user"]


def test_create_gives_a_role_of_the_roles_table(app, client, ui):
    with app.app_context():
        in_transaction(lambda: db.session.add(Role(name="supervisor")))
    response = post_json(client, f"{V1}/user/create", {**NEW, "rol": "supervisor"}, ui)
    assert response.status_code == 200
    assert user_row(app, NEW["email"]) | {"id": 0} == {
        "id": 0, "is_admin": False, "address": NEW["address"], "name": NEW["name"],
        "deleted_at": None, "roles": ["supervisor"]}


@pytest.mark.parametrize("change, fields", [
    ({"rol": "superuser"}, {"rol"}),
    ({"rol": 5}, {"rol"}),
    ({"rol": ""}, {"rol"}),
    ({"password": "short"}, {"password"}),  # the project's policy: 8 characters at least
    ({"password": None}, {"password"}),
    ({"name": 123, "email": ["a@b.example"]}, {"name", "email"}),
    ({"name": "   "}, {"name"}),
    ({"email": "nope"}, {"email"}),
    ({"address": None}, {"address"}),
    ({"address": {"street": "x"}}, {"address"}),
    ({"name": "x" * 256}, {"name"}),
])
def test_create_refuses_bad_input_with_a_422(app, client, ui, change, fields):
    response = post_json(client, f"{V1}/user/create", {**NEW, **change}, ui)
    assert response.status_code == 422
    body = response.json
    assert body["status"] == "error" and body["code"] == 422
    assert body["message"].startswith("Validacion fallida ")
    assert set(body["errors"]) == fields
    assert user_row_count(app) == 0
    assert_no_secrets(app, response.data)


def test_create_refuses_missing_fields_and_a_taken_email(app, client, ui, user):
    response = post_json(client, f"{V1}/user/create", {}, ui)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"name", "email", "password", "address"}
    response = post_json(client, f"{V1}/user/create", {**NEW, "email": USER_EMAIL.upper()}, ui)
    assert response.status_code == 422
    assert response.json["errors"] == {"email": ["The email has already been taken."]}


def user_row_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(User.id)))


# --- user/getusers (W22) ----------------------------------------------------------------------

def make_users(app, count):
    with app.app_context():
        for n in range(count):
            create_user(name=f"Clerk {n}", email=f"clerk{n}@store.example",
                        password="long enough", is_admin=n % 3 == 0)


def test_getusers_is_a_paginator_of_users_with_their_roles(app, client, ui, user):
    make_users(app, 3)
    response = client.get(f"{V1}/user/getusers?per_page=20&page=1", headers=ui)
    assert response.status_code == 200
    body = response.json
    assert list(body) == PAGE_KEYS
    assert body["per_page"] == 20 and body["current_page"] == 1 and body["total"] == 4
    rows = body["data"]
    assert [list(row) for row in rows] == [ROW_KEYS] * 4
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    first = rows[0]
    assert first["email"] == USER_EMAIL and first["address"] is None
    assert TIMESTAMP.fullmatch(first["created_at"])
    [role] = first["roles"]
    assert list(role) == ROLE_KEYS + ["pivot"]
    assert role["name"] == "user" and role["guard_name"] == "api"
    assert role["pivot"] == {"model_id": first["id"], "role_id": role["id"],
                             "model_type": "App\\User"}
    assert [row["roles"][0]["name"] for row in rows[1:]] == ["admin", "user", "user"]
    assert_no_secrets(app, response.data)


def test_getusers_pages_by_25_by_default(app, client, ui):
    make_users(app, 27)
    body = client.get(f"{V1}/user/getusers", headers=ui).json
    assert body["per_page"] == 25 and len(body["data"]) == 25 and body["last_page"] == 2
    body = client.get(f"{V1}/user/getusers?per_page=20&page=2", headers=ui).json
    assert len(body["data"]) == 7 and body["current_page"] == 2


@pytest.mark.parametrize("query", ["page=0", "per_page=abc", "page=-1", "per_page=100000"])
def test_getusers_refuses_a_bad_page(client, ui, query):
    response = client.get(f"{V1}/user/getusers?{query}", headers=ui)
    assert response.status_code == 422
    assert response.json["status"] == "error"


def test_getusers_runs_the_same_statements_at_any_page_size(app, client, ui, count_queries):
    make_users(app, 12)
    counts = {}
    for size in (1, 5, 12):
        with count_queries() as statements:
            response = client.get(f"{V1}/user/getusers?per_page={size}&page=1", headers=ui)
        assert len(response.json["data"]) == size
        counts[size] = len(statements)
    # The token (with its client and user), the count, the page, the page's roles.
    assert set(counts.values()) == {4}, counts


# --- user/update/{id} (W23) -------------------------------------------------------------------

def edited_row(client, ui, of, **changes):
    """The row of getusers (of the user with the email `of`) as material-table posts it back,
    with the changes."""
    rows = client.get(f"{V1}/user/getusers?per_page=20&page=1", headers=ui).json["data"]
    [row] = [row for row in rows if row["email"] == of]
    row = {**row, "tableData": {"id": 0, "editing": "update"}}
    for key, value in changes.items():
        if key == "role":
            row["roles"] = [{**row["roles"][0], "name": value}]
        else:
            row[key] = value
    return row


def test_update_changes_name_email_address_and_role(app, client, ui, user):
    row = edited_row(client, ui, USER_EMAIL, name="Clerk Two", email="two@store.example",
                     address="Calle 5", role="admin")
    response = post_json(client, f"{V1}/user/update/{row['id']}", row, ui)
    assert response.status_code == 200
    assert response.json == {"status": "success", "code": 200, "message": "Usuario actualizado"}
    after = user_row(app, "two@store.example")
    assert after | {"id": 0} == {"id": 0, "is_admin": True, "address": "Calle 5",
                                 "name": "Clerk Two", "deleted_at": None, "roles": ["admin"]}

    row = edited_row(client, ui, "two@store.example", role="user", address="")
    assert post_json(client, f"{V1}/user/update/{row['id']}", row, ui).status_code == 200
    after = user_row(app, "two@store.example")
    assert after["roles"] == ["user"] and after["is_admin"] is False
    assert after["address"] is None


def test_update_ignores_the_read_only_fields(app, client, ui, user, admin):
    row = edited_row(client, ui, USER_EMAIL, name="Renamed")
    target = row["id"]
    row.update(id=user_row(app, ADMIN_EMAIL)["id"], created_at="2000-01-01 00:00:00",
               updated_at="nonsense", password="sneaky password", is_admin=True)
    assert post_json(client, f"{V1}/user/update/{target}", row, ui).status_code == 200
    after = user_row(app, USER_EMAIL)
    assert after["name"] == "Renamed" and after["is_admin"] is False
    assert user_row(app, ADMIN_EMAIL)["name"] == "Boss"
    response = post_json(client, f"{V1}/user/authenticate",
                         {"email": USER_EMAIL, "password": USER_PASSWORD}, ui)
    assert response.json["status"] == "success"
    assert response.json["user"][0]["created_at"] != "2000-01-01 00:00:00"


def test_update_with_only_some_fields_keeps_the_rest(app, client, ui, user):
    uid = user_row(app, USER_EMAIL)["id"]
    assert post_json(client, f"{V1}/user/update/{uid}", {"address": "Calle 9"},
                     ui).status_code == 200
    after = user_row(app, USER_EMAIL)
    assert after["address"] == "Calle 9" and after["name"] == "Clerk"
    assert after["roles"] == ["user"]
    assert post_json(client, f"{V1}/user/update/{uid}", {"roles": []}, ui).status_code == 200
    assert user_row(app, USER_EMAIL)["roles"] == ["user"]


@pytest.mark.parametrize("body, fields", [
    ({"email": "nope"}, {"email"}),
    ({"email": 7}, {"email"}),
    ({"name": ""}, {"name"}),
    ({"name": None}, {"name"}),
    ({"roles": "admin"}, {"roles"}),
    ({"roles": ["admin"]}, {"roles"}),
    ({"roles": [{"name": 5}]}, {"roles"}),
    ({"roles": [{"id": 1}]}, {"roles"}),
    ({"roles": [{"name": "superuser"}]}, {"roles"}),
    ({"address": ["x"]}, {"address"}),
])
def test_update_refuses_bad_input_and_changes_nothing(app, client, ui, user, body, fields):
    uid = user_row(app, USER_EMAIL)["id"]
    before = user_row(app, USER_EMAIL)
    response = post_json(client, f"{V1}/user/update/{uid}", {"name": "Changed", **body}, ui)
    assert response.status_code == 422
    assert response.json["status"] == "error" and response.json["code"] == 422
    assert response.json["message"].startswith("Validacion fallida ")
    assert set(response.json["errors"]) == fields
    assert user_row(app, USER_EMAIL) == before


def test_update_refuses_a_taken_email(app, client, ui, user, admin):
    uid = user_row(app, USER_EMAIL)["id"]
    response = post_json(client, f"{V1}/user/update/{uid}", {"email": ADMIN_EMAIL}, ui)
    assert response.status_code == 422
    assert response.json["errors"] == {"email": ["The email has already been taken."]}
    # Its own email is not "taken".
    assert post_json(client, f"{V1}/user/update/{uid}", {"email": USER_EMAIL},
                     ui).status_code == 200


@pytest.mark.parametrize("path", ["999999", "99999999999", "9" * 40, "0", "-1", "abc", "1.5"])
def test_update_and_delete_of_an_unknown_user_are_404(client, ui, user, path):
    response = post_json(client, f"{V1}/user/update/{path}", {"name": "X"}, ui)
    assert response.status_code == 404 and response.json == USER_NOT_FOUND
    response = client.get(f"{V1}/user/delete/{path}", headers=ui)
    assert response.status_code == 404 and response.json == USER_NOT_FOUND


def test_an_admin_may_not_take_their_own_admin_role(app, client, admin, user):
    me = web(personal(app, ADMIN_EMAIL))
    uid = user_row(app, ADMIN_EMAIL)["id"]
    response = post_json(client, f"{V1}/user/update/{uid}", {"roles": [{"name": "user"}]}, me)
    assert response.status_code == 409 and response.json["status"] == "error"
    assert user_row(app, ADMIN_EMAIL)["roles"] == ["admin"]
    # Another admin may.
    other = user_row(app, USER_EMAIL)["id"]
    assert post_json(client, f"{V1}/user/update/{other}", {"roles": [{"name": "admin"}]},
                     me).status_code == 200
    assert user_row(app, USER_EMAIL)["is_admin"] is True


# --- user/delete/{id} (W24) -------------------------------------------------------------------

def test_delete_is_a_soft_delete_that_keeps_the_ledger(app, client, demo, ui, user, user_auth):
    located = post_json(client, f"{V1}/locationvariation/locateitemscan",
                        {"warehouse_id": 1, "sku": "2000010", "mapped_string": "R1-A1-N2"},
                        {**user_auth, "Content-Type": "application/json"})
    assert located.status_code == 200, located.json
    uid = user_row(app, USER_EMAIL)["id"]

    response = client.get(f"{V1}/user/delete/{uid}", headers=ui)
    assert response.status_code == 200
    assert response.json == {"status": "success", "code": 200, "message": "Usuario eliminado",
                             "success": True}
    assert user_row(app, USER_EMAIL)["deleted_at"] is not None
    # Gone from the list, and a second delete finds nobody.
    emails = [row["email"] for row in
              client.get(f"{V1}/user/getusers", headers=ui).json["data"]]
    assert USER_EMAIL not in emails
    assert client.get(f"{V1}/user/delete/{uid}", headers=ui).json == USER_NOT_FOUND
    assert post_json(client, f"{V1}/user/update/{uid}", {"name": "X"}, ui).status_code == 404
    # The ledger still says who located the SKU.
    history = client.get(f"{V1}/locationvariation/history?sku=2000010", headers=ui).json
    assert history["data"][0]["user"] == {"id": uid, "name": "Clerk"}
    with app.app_context():
        assert db.session.scalar(sa.select(Movement.user_id).where(
            Movement.kind == "locate", Movement.user_id == uid)) == uid


def test_a_deleted_user_cannot_sign_in_nor_use_a_token(app, client, ui, user):
    with app.app_context():
        password_client, secret = create_client(name="Scanner", password=True)
    grant = {"grant_type": "password", "client_id": password_client.id, "client_secret": secret,
             "username": USER_EMAIL, "password": USER_PASSWORD}
    tokens = client.post("/oauth/token", data=grant).json
    kept = web(tokens["access_token"])
    personal_token = web(personal(app, USER_EMAIL))
    assert client.get(f"{V1}/user/getprofile", headers=kept).status_code == 200

    uid = user_row(app, USER_EMAIL)["id"]
    assert client.get(f"{V1}/user/delete/{uid}", headers=ui).status_code == 200

    # Every token revoked in the deletion's transaction, refresh tokens too.
    with app.app_context():
        assert db.session.scalars(sa.select(AccessToken.revoked).where(
            AccessToken.user_id == uid)).all() == [True, True]
        assert db.session.scalars(sa.select(RefreshToken.revoked)).all() == [True]
    for headers in (kept, personal_token):
        response = client.get(f"{V1}/user/getprofile", headers=headers)
        assert response.status_code == 401 and response.json == UNAUTHENTICATED
    # No sign-in of any kind.
    response = client.post("/oauth/token", data=grant)
    assert response.status_code == 401 and response.json["error"] == "invalid_credentials"
    response = client.post("/oauth/token", data={
        "grant_type": "refresh_token", "client_id": password_client.id, "client_secret": secret,
        "refresh_token": tokens["refresh_token"]})
    assert response.status_code in (400, 401) and "access_token" not in response.json
    response = client.post("/api/login", json={"email": USER_EMAIL, "password": USER_PASSWORD})
    assert response.status_code == 401
    response = client.post("/login", json={"email": USER_EMAIL, "password": USER_PASSWORD})
    assert response.status_code == 401
    response = post_json(client, f"{V1}/user/authenticate",
                         {"email": USER_EMAIL, "password": USER_PASSWORD}, ui)
    assert response.status_code == 404 and response.json == WRONG_CREDENTIALS
    # An admin cannot make them a token either.
    response = client.post(f"/api/1.0/users/{uid}/tokens", json={"name": "x"}, headers=ui)
    assert response.status_code == 404


def test_a_token_issued_while_the_user_was_deleted_is_refused(app, client, ui, user):
    """The deletion revokes the tokens it finds; one written after it is refused by the guard
    (and by introspection)."""
    uid = user_row(app, USER_EMAIL)["id"]
    assert client.get(f"{V1}/user/delete/{uid}", headers=ui).status_code == 200
    with app.app_context():
        late_client, secret = create_client(name="Late", password=True)
        deleted = db.session.get(User, uid)
        jwt, _ = create_personal_token(deleted, "late", [])
    response = client.get(f"{V1}/user/getprofile", headers=web(jwt))
    assert response.status_code == 401
    response = client.post("/oauth/introspect", data={
        "token": jwt, "client_id": late_client.id, "client_secret": secret})
    assert response.json == {"active": False}


def test_an_admin_may_not_delete_themself(app, client, admin):
    me = web(personal(app, ADMIN_EMAIL))
    uid = user_row(app, ADMIN_EMAIL)["id"]
    response = client.get(f"{V1}/user/delete/{uid}", headers=me)
    assert response.status_code == 409
    assert response.json["status"] == "error" and response.json["code"] == 409
    assert user_row(app, ADMIN_EMAIL)["deleted_at"] is None
    assert client.get(f"{V1}/user/getprofile", headers=me).status_code == 200


def test_a_deleted_users_email_stays_taken(app, client, ui, user):
    uid = user_row(app, USER_EMAIL)["id"]
    client.get(f"{V1}/user/delete/{uid}", headers=ui)
    response = post_json(client, f"{V1}/user/create", {**NEW, "email": USER_EMAIL}, ui)
    assert response.status_code == 422
    assert response.json["errors"] == {"email": ["The email has already been taken."]}


# --- roles/getall (W21) -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/roles/getall/", "/roles/getall"])
def test_roles_getall_with_or_without_the_trailing_slash(app, client, plain, user, path):
    response = client.get(f"{V1}{path}", headers=plain)
    assert response.status_code == 200
    body = response.json
    assert list(body) == PAGE_KEYS and body["per_page"] == 25
    assert [list(row) for row in body["data"]] == [ROLE_KEYS] * len(body["data"])
    assert "user" in [row["name"] for row in body["data"]]
    assert all(row["guard_name"] == "api" for row in body["data"])


def test_roles_getall_needs_a_token(client):
    response = client.get(f"{V1}/roles/getall/", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.json == UNAUTHENTICATED


def test_roles_getall_runs_the_same_statements_at_any_page_size(app, client, ui, admin, user,
                                                                count_queries):
    with app.app_context():
        in_transaction(lambda: db.session.add_all(Role(name=f"r{n}") for n in range(5)))
    counts = set()
    for size in (1, 7):
        with count_queries() as statements:
            response = client.get(f"{V1}/roles/getall/?per_page={size}", headers=ui)
        assert len(response.json["data"]) == size
        counts.add(len(statements))
    assert counts == {3}  # the token, the count, the page


# --- user/getprofile (A2) and the password grant (A1) -----------------------------------------

@pytest.fixture
def scanner_app_client(app):
    """Passport's default clients: 1 the client-credentials one, 2 the password client."""
    with app.app_context():
        first, _ = create_client(name="Web UI", admin=True)
        second, secret = create_client(name="Password Grant Client", password=True)
    assert (first.id, second.id) == (1, 2)
    return secret


def test_the_scanner_apps_sign_in_and_profile(app, client, user, scanner_app_client):
    json_headers = {"Accept": "application/json", "Content-Type": "application/json"}
    response = client.post("/oauth/token", headers=json_headers, data=json.dumps({
        "grant_type": "password", "client_id": "2", "client_secret": scanner_app_client,
        "username": USER_EMAIL, "password": USER_PASSWORD}))
    assert response.status_code == 200, response.json
    token = response.json
    assert token["token_type"] == "Bearer" and isinstance(token["expires_in"], int)
    assert token["refresh_token"]

    response = client.get(f"{V1}/user/getprofile", headers={
        "Accept": "application/json",
        "Authorization": f"{token['token_type']} {token['access_token']}"})
    assert response.status_code == 200
    profile = response.json
    assert list(profile) == ["id", "name", "email", "roles"]
    assert profile["email"] == USER_EMAIL and profile["name"] == "Clerk"
    [role] = profile["roles"]
    assert list(role) == ROLE_KEYS + ["pivot"]
    assert role["name"] == "user" and TIMESTAMP.fullmatch(role["created_at"])
    assert role["pivot"] == {"model_id": profile["id"], "role_id": role["id"],
                             "model_type": "App\\User"}
    assert_no_secrets(app, response.data)


def test_the_scanner_app_gets_401_for_a_wrong_password(client, user, scanner_app_client):
    response = client.post("/oauth/token", headers={
        "Accept": "application/json", "Content-Type": "application/json"}, data=json.dumps({
            "grant_type": "password", "client_id": "2", "client_secret": scanner_app_client,
            "username": USER_EMAIL, "password": "wrong password"}))
    assert response.status_code == 401
    assert response.json["error"] == "invalid_credentials"


def test_getprofile_of_a_client_token_is_a_clear_403(client, ui):
    response = client.get(f"{V1}/user/getprofile", headers=ui)
    assert response.status_code == 403
    assert response.json == {"message": "This token acts for a client, not for a user."}


def test_getprofile_needs_a_scope_that_reads(app, client, user):
    with app.app_context():
        clerk = db.session.scalar(sa.select(User).where(User.email == USER_EMAIL))
        read, _ = create_personal_token(clerk, "r", ["read"])
        users_only, _ = create_personal_token(clerk, "u", ["users"])
    assert client.get(f"{V1}/user/getprofile", headers=web(read)).status_code == 200
    assert client.get(f"{V1}/user/getprofile", headers=web(users_only)).status_code == 403


# --- permissions, CORS, secrets ---------------------------------------------------------------

MANAGING = [
    ("post", "/user/create", NEW),
    ("get", "/user/getusers?per_page=20&page=1", None),
    ("post", "/user/update/{uid}", {"name": "Permitted"}),
    ("get", "/user/delete/{uid}", None),
]


def _callers(app, client):
    return {
        "admin user": (web(personal(app, ADMIN_EMAIL)), 200),
        "admin client": (web(client_token(app, client, admin=True)), 200),
        "plain client": (web(client_token(app, client, admin=False)), 403),
        "non-admin user": (web(personal(app, USER_EMAIL)), 403),
        "no token": ({"Accept": "application/json", "Content-Type": "application/json"}, 401),
    }


@pytest.mark.parametrize("method, path, body", MANAGING)
def test_managing_users_takes_an_admin(app, client, admin, user, method, path, body):
    for n, (caller, (headers, expected)) in enumerate(_callers(app, client).items()):
        with app.app_context():
            victim = create_user(name="Victim", email=f"victim{n}@store.example",
                                 password="long enough")
        url = V1 + path.format(uid=victim.id)
        if method == "post":
            response = post_json(client, url, {**body, "email": f"new{n}@store.example"},
                                 headers)
        else:
            response = client.get(url, headers=headers)
        assert response.status_code == expected, (caller, response.json)
        if expected == 403:
            assert response.json == UNAUTHORIZED
        if expected == 401:
            assert response.json == UNAUTHENTICATED


@pytest.mark.parametrize("path", ["/user/authenticate", "/user/create", "/user/getusers",
                                  "/user/update/1", "/user/delete/1", "/user/getprofile",
                                  "/roles/getall/", "/roles/getall"])
def test_cors_preflights_pass_without_a_token(client, path):
    response = client.options(V1 + path, headers={
        "Origin": "https://ui.store.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://ui.store.example")


def test_no_answer_holds_a_password_or_a_hash(app, client, ui, admin, user, user_auth):
    uid = user_row(app, USER_EMAIL)["id"]
    answers = [
        post_json(client, f"{V1}/user/authenticate",
                  {"email": USER_EMAIL, "password": USER_PASSWORD}, ui),
        post_json(client, f"{V1}/user/authenticate",
                  {"email": USER_EMAIL, "password": "wrong one"}, ui),
        post_json(client, f"{V1}/user/authenticate", {"email": 1, "password": 2}, ui),
        post_json(client, f"{V1}/user/create", NEW, ui),
        post_json(client, f"{V1}/user/create", {**NEW, "password": "short"}, ui),
        client.get(f"{V1}/user/getusers?per_page=20&page=1", headers=ui),
        post_json(client, f"{V1}/user/update/{uid}",
                  edited_row(client, ui, USER_EMAIL, name="Renamed"), ui),
        client.get(f"{V1}/user/getprofile", headers=user_auth),
        client.get(f"{V1}/roles/getall/", headers=ui),
        client.post(f"{V1}/user/store", json={**NEW, "email": "s@store.example"}, headers=ui),
        client.get(f"{V1}/user/delete/{uid}", headers=ui),
    ]
    assert all(r.status_code < 500 for r in answers)
    assert_no_secrets(app, *(r.data for r in answers))


# --- roles and is_admin agree -----------------------------------------------------------------

def test_every_way_of_making_a_user_gives_one_role_that_agrees_with_is_admin(
        app, client, ui, runner):
    post_json(client, f"{V1}/user/create", NEW, ui)
    post_json(client, f"{V1}/user/create", {**NEW, "email": "a@store.example", "rol": "admin"},
              ui)
    client.post(f"{V1}/user/store", json={**NEW, "email": "b@store.example", "is_admin": True},
                headers=ui)
    client.post(f"{V1}/user/store", json={**NEW, "email": "c@store.example"}, headers=ui)
    result = runner.invoke(args=["users", "create", "--name", "D", "--email", "d@store.example",
                                 "--password", "long enough", "--admin"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        users = db.session.scalars(sa.select(User).order_by(User.email)).all()
        held = {user.email: (user.is_admin, [role.name for role in user.roles])
                for user in users}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserRole)) == 5
    assert held == {
        "a@store.example": (True, ["admin"]), "b@store.example": (True, ["admin"]),
        "c@store.example": (False, ["user"]), "d@store.example": (True, ["admin"]),
        NEW["email"]: (False, ["user"])}


def test_a_role_change_and_is_admin_change_together_in_one_transaction(app, client, ui, user):
    """A failing update (a taken email found after the role) leaves role and is_admin as they
    were."""
    uid = user_row(app, USER_EMAIL)["id"]
    with app.app_context():
        create_user(name="Other", email="other@store.example", password="long enough")
    response = post_json(client, f"{V1}/user/update/{uid}",
                         {"email": "other@store.example", "roles": [{"name": "admin"}]}, ui)
    assert response.status_code == 422
    assert user_row(app, USER_EMAIL)["roles"] == ["user"]
    assert user_row(app, USER_EMAIL)["is_admin"] is False


def test_deleted_at_is_set_once(app, client, ui, user):
    uid = user_row(app, USER_EMAIL)["id"]
    before = utcnow().replace(microsecond=0)
    client.get(f"{V1}/user/delete/{uid}", headers=ui)
    first = user_row(app, USER_EMAIL)["deleted_at"]
    assert first >= before
    client.get(f"{V1}/user/delete/{uid}", headers=ui)
    assert user_row(app, USER_EMAIL)["deleted_at"] == first


def test_a_deleted_users_session_signs_nobody_in(app, client, ui, user):
    assert client.post("/login", json={"email": USER_EMAIL,
                                       "password": USER_PASSWORD}).status_code == 200
    assert client.get("/oauth/clients").status_code == 200  # the session cookie
    uid = user_row(app, USER_EMAIL)["id"]
    assert client.get(f"{V1}/user/delete/{uid}", headers=ui).status_code == 200
    assert client.get("/oauth/clients").status_code == 401
