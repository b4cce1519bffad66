"""The user routes of spec/02 and spec/03: POST /api/v1/user/store, POST /api/login,
POST /api/users, GET /api/users and GET /users/search."""
import base64
import json
import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import AccessToken, OAuthClient, User
from wms.services import users as users_service
from wms.services.clients import create_client
from wms.services.personal_tokens import create_personal_token
from wms.services.users import create_user

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, USER_EMAIL, USER_PASSWORD

UNAUTHENTICATED = {"message": "Unauthenticated."}
UNAUTHORIZED = {"message": "This action is unauthorized."}
USER_KEYS = {"id", "name", "email", "is_admin", "created_at", "updated_at"}
NEW = {"name": "Nuevo", "email": "nuevo@store.example", "password": "long enough"}
PAGE_KEYS = ["current_page", "data", "first_page_url", "from", "last_page", "last_page_url",
             "next_page_url", "path", "per_page", "prev_page_url", "to", "total"]


def bearer(value):
    return {"Authorization": f"Bearer {value}"}


def claims(value):
    payload = value.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def personal(app, email, scopes=()):
    """A personal access token of the user with this email, with these scopes."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        jwt, _ = create_personal_token(user, "test", list(scopes))
    return bearer(jwt)


def client_token(app, client, admin):
    with app.app_context():
        made, secret = create_client(name="Robot", admin=admin)
    response = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": made.id, "client_secret": secret})
    assert response.status_code == 200, response.json
    return bearer(response.json["access_token"])


@pytest.fixture
def admin_auth(app, admin):
    return personal(app, ADMIN_EMAIL)


# Who may manage users: (headers maker, expected status). `None` headers: no token at all.
CALLERS = {
    "admin, no scopes": (lambda app, c: personal(app, ADMIN_EMAIL), 201),
    "admin, users scope": (lambda app, c: personal(app, ADMIN_EMAIL, ["users"]), 201),
    "admin, * scope": (lambda app, c: personal(app, ADMIN_EMAIL, ["*"]), 201),
    "admin, read write": (lambda app, c: personal(app, ADMIN_EMAIL, ["read", "write"]), 403),
    "self (non-admin)": (lambda app, c: personal(app, USER_EMAIL), 403),
    "non-admin, users scope": (lambda app, c: personal(app, USER_EMAIL, ["users"]), 403),
    "admin client": (lambda app, c: client_token(app, c, admin=True), 201),
    "normal client": (lambda app, c: client_token(app, c, admin=False), 403),
    "no token": (lambda app, c: {}, 401),
    "bad token": (lambda app, c: bearer("not.a.token"), 401),
}


def caller(request_name, app, client):
    make, status = CALLERS[request_name]
    return make(app, client), status


# --- POST /api/v1/user/store ----------------------------------------------------------------

@pytest.mark.parametrize("who", list(CALLERS))
def test_store_permissions(app, client, user, admin, who):
    headers, status = caller(who, app, client)

    response = client.post("/api/v1/user/store", json=NEW, headers=headers)

    assert response.status_code == status, response.json
    if status == 201:
        assert set(response.json) == USER_KEYS
    else:
        assert response.json == {401: UNAUTHENTICATED, 403: UNAUTHORIZED}[status]
        with app.app_context():
            assert db.session.scalar(sa.select(User).where(User.email == NEW["email"])) is None


def test_store_creates_an_admin_without_showing_the_password(app, client, admin_auth):
    response = client.post("/api/v1/user/store", headers=admin_auth, json={
        "name": "  Ana  ", "email": " Ana@Store.Example ", "password": "long enough",
        "is_admin": True})

    assert response.status_code == 201, response.json
    body = response.json
    assert set(body) == USER_KEYS
    assert body["name"] == "Ana" and body["email"] == "ana@store.example"
    assert body["is_admin"] is True
    assert "long enough" not in response.text
    with app.app_context():
        stored = db.session.get(User, body["id"])
        assert stored.password != "long enough"
        assert users_service.authenticate("ana@store.example", "long enough").id == body["id"]


def test_store_takes_query_string_parameters_as_the_spec_sends_them(client, admin_auth):
    # All but the password, which never travels in a URL (tests/test_credentials_in_url.py).
    response = client.post("/api/v1/user/store?name=Q&email=q@store.example&is_admin=0",
                           data={"password": "long enough"}, headers=admin_auth)

    assert response.status_code == 201, response.json
    assert response.json["is_admin"] is False


def test_a_token_with_only_the_users_scope_may_not_use_the_warehouse_routes(app, client, admin):
    headers = personal(app, ADMIN_EMAIL, ["users"])

    assert client.post("/api/v1/user/store", json=NEW, headers=headers).status_code == 201
    assert client.get("/api/v1/warehouses/getall", headers=headers).status_code == 403


def test_store_preflight_needs_no_token(client):
    response = client.options("/api/v1/user/store", headers={
        "Origin": "https://ui.example", "Access-Control-Request-Method": "POST"})

    assert response.status_code == 200


BAD_INPUT = [
    ({}, {"name", "email", "password"}),
    ({**NEW, "name": "   "}, {"name"}),
    ({**NEW, "email": "not-an-email"}, {"email"}),
    ({**NEW, "email": "a b@store.example"}, {"email"}),
    ({**NEW, "email": "x" * 250 + "@store.example"}, {"email"}),
    ({**NEW, "password": "short"}, {"password"}),
    ({**NEW, "password": "        "}, {"password"}),
    ({**NEW, "password": "x" * 256}, {"password"}),
    ({**NEW, "name": 12}, {"name"}),
    ({**NEW, "email": ["a@store.example"]}, {"email"}),
    ({**NEW, "password": {"value": "long enough"}}, {"password"}),
    ({**NEW, "password": 123456789}, {"password"}),
    ({**NEW, "name": None}, {"name"}),
    ({**NEW, "is_admin": "maybe"}, {"is_admin"}),
    ({**NEW, "is_admin": [True]}, {"is_admin"}),
    ({**NEW, "name": "bell\x07"}, {"name"}),
]


@pytest.mark.parametrize("body, fields", BAD_INPUT)
def test_store_refuses_bad_input_with_field_errors(app, client, admin_auth, body, fields):
    response = client.post("/api/v1/user/store", json=body, headers=admin_auth)

    assert response.status_code == 400, response.json
    assert response.json["message"] == "Parametros no validos."
    assert set(response.json["errors"]) == fields
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1  # the admin


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "{not json"])
def test_store_refuses_a_body_that_is_not_a_json_object(client, admin_auth, raw):
    response = client.post("/api/v1/user/store", data=raw, headers=admin_auth,
                           content_type="application/json")

    assert response.status_code == 400
    assert response.json["message"] == "Parametros no validos."


def test_store_refuses_a_taken_email_in_any_case(client, user, admin_auth):
    response = client.post("/api/v1/user/store", headers=admin_auth, json={
        **NEW, "email": USER_EMAIL.upper()})

    assert response.status_code == 400
    assert response.json == {"message": "Parametros no validos.",
                             "errors": {"email": ["The email has already been taken."]}}


def test_a_concurrent_taker_of_the_email_gives_the_field_error_not_a_500(
        app, client, admin_auth, monkeypatch):
    """The check before the insert misses a sign-up committed in between: the unique index
    catches it, and the answer is the same 400."""
    with app.app_context():
        create_user(**NEW)
    real = users_service._email_taken
    calls = []

    def missed_once(session, email):
        calls.append(email)
        return False if len(calls) == 1 else real(session, email)

    monkeypatch.setattr(users_service, "_email_taken", missed_once)

    response = client.post("/api/v1/user/store", json=NEW, headers=admin_auth)

    assert response.status_code == 400, response.json
    assert response.json["errors"] == {"email": ["The email has already been taken."]}
    assert len(calls) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))
                                 .where(User.email == NEW["email"])) == 1


# --- POST /api/login ------------------------------------------------------------------------

def test_login_gives_a_personal_token_that_works(app, client, user):
    response = client.post("/api/login", json={"email": USER_EMAIL, "password": USER_PASSWORD})

    assert response.status_code == 200, response.json
    body = response.json
    assert list(body) == ["token_type", "access_token", "expires_at", "user"]
    assert body["token_type"] == "Bearer"
    assert body["user"]["email"] == USER_EMAIL and set(body["user"]) == USER_KEYS
    assert USER_PASSWORD not in response.text
    exp = claims(body["access_token"])["exp"]
    assert body["expires_at"] == datetime.fromtimestamp(exp, timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S")
    me = client.get("/api/users", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json["id"] == user.id
    assert client.get("/api/v1/warehouses/getall",
                      headers=bearer(body["access_token"])).status_code == 200
    with app.app_context():
        token = db.session.get(AccessToken, claims(body["access_token"])["jti"])
        assert token.name == "Login" and token.scopes == [] and token.user_id == user.id
        assert token.client.personal_access_client


def test_login_takes_username_and_a_form_body(client, user):
    response = client.post("/api/login", data={"username": USER_EMAIL.upper(),
                                               "password": USER_PASSWORD})

    assert response.status_code == 200, response.json
    assert response.json["user"]["email"] == USER_EMAIL


def test_login_with_a_blank_email_uses_the_username(client, user):
    response = client.post("/api/login", json={"email": " ", "username": USER_EMAIL,
                                               "password": USER_PASSWORD})

    assert response.status_code == 200, response.json


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client, user):
    wrong = client.post("/api/login", json={"email": USER_EMAIL, "password": "wrong password"})
    unknown = client.post("/api/login", json={"email": "nobody@store.example",
                                              "password": USER_PASSWORD})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json == {
        "message": "These credentials do not match our records."}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AccessToken.id))) == 0


@pytest.mark.parametrize("body, field", [
    ({}, "email"),
    ({"password": USER_PASSWORD}, "email"),
    ({"email": USER_EMAIL}, "password"),
    ({"email": USER_EMAIL, "password": ""}, "password"),
    ({"email": 5, "password": USER_PASSWORD}, "email"),
    ({"email": USER_EMAIL, "password": ["x"]}, "password"),
    ({"username": {"a": 1}, "password": USER_PASSWORD}, "username"),
])
def test_login_refuses_bad_input(client, user, body, field):
    response = client.post("/api/login", json=body)

    assert response.status_code == 400, response.json
    assert response.json["message"] == "Parametros no validos."
    assert field in response.json["errors"]


def test_login_is_rate_limited(app, client, user):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        client.post("/api/login", json={"email": USER_EMAIL, "password": "wrong password"})

    response = client.post("/api/login", json={"email": USER_EMAIL, "password": USER_PASSWORD})

    assert response.status_code == 429
    assert response.json == {"message": "Too Many Attempts."}
    assert "Retry-After" in response.headers


# --- POST /api/users ------------------------------------------------------------------------

@pytest.mark.parametrize("who", list(CALLERS))
def test_register_without_open_registration_needs_a_user_manager(app, client, user, admin,
                                                                 who):
    headers, status = caller(who, app, client)

    response = client.post("/api/users", json=NEW, headers=headers)

    assert response.status_code == status, response.json
    if status != 201:
        assert response.json == {401: UNAUTHENTICATED, 403: UNAUTHORIZED}[status]


def test_open_registration_lets_anyone_sign_up_but_not_as_admin(app, client):
    app.config["ALLOW_REGISTRATION"] = True

    as_admin = client.post("/api/users", json={**NEW, "is_admin": True})
    response = client.post("/api/users", json=NEW)

    assert as_admin.status_code == 403
    assert response.status_code == 201, response.json
    assert response.json["is_admin"] is False and set(response.json) == USER_KEYS
    login = client.post("/api/login", json={"email": NEW["email"], "password": NEW["password"]})
    assert login.status_code == 200


def test_open_registration_still_refuses_a_bad_token(app, client):
    app.config["ALLOW_REGISTRATION"] = True

    response = client.post("/api/users", json=NEW, headers=bearer("forged"))

    assert response.status_code == 401


def test_a_manager_may_register_an_admin(client, admin_auth):
    response = client.post("/api/users", json={**NEW, "is_admin": "true"}, headers=admin_auth)

    assert response.status_code == 201
    assert response.json["is_admin"] is True


def test_register_refuses_a_taken_email(app, client, user):
    app.config["ALLOW_REGISTRATION"] = True

    response = client.post("/api/users", json={**NEW, "email": USER_EMAIL})

    assert response.status_code == 400
    assert response.json["errors"] == {"email": ["The email has already been taken."]}


@pytest.mark.parametrize("body, fields", BAD_INPUT)
def test_register_refuses_bad_input(app, client, body, fields):
    app.config["ALLOW_REGISTRATION"] = True
    app.config["REGISTRATION_RATE_LIMIT"] = ""

    response = client.post("/api/users", json=body)

    assert response.status_code == 400, response.json
    assert set(response.json["errors"]) == fields


def test_register_is_rate_limited(app, client):
    app.config["ALLOW_REGISTRATION"] = True
    app.config["REGISTRATION_RATE_LIMIT"] = "1 per minute"
    client.post("/api/users", json=NEW)

    response = client.post("/api/users", json={**NEW, "email": "second@store.example"})

    assert response.status_code == 429


# --- GET /api/users -------------------------------------------------------------------------

def test_show_is_the_callers_own_user(client, user, admin, user_auth, admin_auth):
    mine = client.get("/api/users", headers=user_auth)
    boss = client.get("/api/users/", headers=admin_auth)

    assert mine.status_code == 200, mine.json
    assert set(mine.json) == USER_KEYS
    assert mine.json["id"] == user.id and mine.json["is_admin"] is False
    assert boss.json["id"] == admin.id and boss.json["is_admin"] is True


def test_show_with_any_scope(app, client, user):
    for scopes in (["read"], ["users"], ["write"]):
        response = client.get("/api/users", headers=personal(app, USER_EMAIL, scopes))
        assert response.status_code == 200 and response.json["email"] == USER_EMAIL


def test_show_needs_a_user(app, client, auth):
    response = client.get("/api/users", headers=auth)
    admin_client = client.get("/api/users", headers=client_token(app, client, admin=True))

    assert response.status_code == admin_client.status_code == 403
    assert response.json == {"message": "This token acts for a client, not for a user."}


@pytest.mark.parametrize("headers", [{}, bearer("nope"), {"Authorization": "Basic abc"}])
def test_show_needs_a_valid_token(client, headers):
    response = client.get("/api/users", headers=headers)

    assert response.status_code == 401
    assert response.json == UNAUTHENTICATED


def test_show_refuses_a_revoked_token(app, client, user, user_auth):
    with app.app_context():
        db.session.execute(sa.update(AccessToken).values(revoked=True))
        db.session.commit()

    assert client.get("/api/users", headers=user_auth).status_code == 401


# --- GET /users/search ----------------------------------------------------------------------

@pytest.fixture
def people(app, admin):
    with app.app_context():
        for name, email in [("Ana Pérez", "ana@store.example"),
                            ("Beto", "beto@ANAcorp.example"),
                            ("Carla", "carla@store.example"),
                            ("100% Dan", "dan@store.example"),
                            ("Eva_Luz", "eva@store.example"),
                            ("EvaXLuz", "evax@store.example"),
                            ("Zoe\\Ruiz", "zoe@store.example")]:
            create_user(name=name, email=email, password="long enough")


def names(response):
    return [user["name"] for user in response.json["data"]]


@pytest.mark.parametrize("who", list(CALLERS))
def test_search_permissions(app, client, user, admin, who):
    headers, status = caller(who, app, client)
    status = 200 if status == 201 else status

    response = client.get("/users/search?q=a", headers=headers)

    assert response.status_code == status, response.json
    if status != 200:
        assert response.json == {401: UNAUTHENTICATED, 403: UNAUTHORIZED}[status]


def test_search_matches_name_or_email_in_any_case(client, people, admin_auth):
    response = client.get("/users/search?q=ANA", headers=admin_auth)

    assert response.status_code == 200, response.json
    assert list(response.json) == PAGE_KEYS
    assert names(response) == ["Ana Pérez", "Beto"]
    assert response.json["total"] == 2
    assert all(set(user) == USER_KEYS for user in response.json["data"])


@pytest.mark.parametrize("q, expected", [
    ("%", ["100% Dan"]),
    ("_", ["Eva_Luz"]),
    ("a_l", ["Eva_Luz"]),
    ("\\", ["Zoe\\Ruiz"]),
    ("/", []),
])
def test_search_wildcards_match_themselves(client, people, admin_auth, q, expected):
    response = client.get("/users/search", query_string={"q": q}, headers=admin_auth)

    assert response.status_code == 200, response.json
    assert names(response) == expected


def test_search_without_q_lists_everyone_paginated(client, people, admin_auth):
    response = client.get("/users/search?per_page=2&page=2", headers=admin_auth)

    body = response.json
    assert response.status_code == 200
    assert body["total"] == 8 and body["last_page"] == 4
    assert body["current_page"] == 2 and body["from"] == 3 and body["to"] == 4
    assert names(response) == ["Beto", "Boss"]
    assert body["next_page_url"].startswith("http://localhost/users/search?")
    assert "per_page=2" in body["next_page_url"] and "page=3" in body["next_page_url"]


def test_search_with_no_match_is_an_empty_page(client, people, admin_auth):
    response = client.get("/users/search?q=zzz", headers=admin_auth)

    assert response.json["data"] == [] and response.json["total"] == 0
    assert response.json["from"] is None and response.json["to"] is None


@pytest.mark.parametrize("query", ["per_page=0", "page=abc", "per_page=100000",
                                   "q=" + "x" * 256, "q[]=a&q[]=b"])
def test_search_refuses_bad_parameters(client, admin_auth, query):
    response = client.get(f"/users/search?{query}", headers=admin_auth)

    assert response.status_code == 400, response.json
    assert response.json["message"] == "Parametros no validos."


def test_search_runs_the_same_statements_whatever_the_page_size(
        app, client, people, admin_auth, count_queries):
    def statements(per_page):
        with count_queries() as seen:
            response = client.get(f"/users/search?per_page={per_page}", headers=admin_auth)
        assert response.status_code == 200
        assert len(response.json["data"]) == min(per_page, 8)
        return len(seen)

    statements(3)  # a first request may set up the connection or note the token's use
    assert statements(1) == statements(8) <= 4


# --- The admin client flag -----------------------------------------------------------------

def test_create_client_admin_flag(app, runner):
    result = runner.invoke(args=["oauth", "create-client", "--name", "Provisioner",
                                 "--client-credentials", "--admin", "--json"])

    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    with app.app_context():
        assert db.session.get(OAuthClient, created["client_id"]).admin is True
        assert create_client(name="Plain")[0].admin is False


def test_admin_goes_with_client_credentials_only(runner):
    result = runner.invoke(args=["oauth", "create-client", "--name", "X", "--password",
                                 "--admin"])

    assert result.exit_code != 0
    assert "--admin" in result.output


# --- The web UI's token cookie --------------------------------------------------------------

def _cookie_signed_in(app, client, email, password):
    """`client` signed in (session) with the token cookie of /oauth/token/refresh; the CSRF
    token the cookie goes with."""
    app.config["LOGIN_RATE_LIMIT"] = ""
    page = client.get("/login")
    form_token = re.search(r'name="_token" value="([^"]+)"', page.text).group(1)
    signed_in = client.post("/login", data={"_token": form_token, "email": email,
                                            "password": password})
    assert signed_in.status_code == 302
    csrf = client.get_cookie("XSRF-TOKEN").value
    assert client.post("/oauth/token/refresh", headers={"X-CSRF-TOKEN": csrf}).status_code == 200
    return csrf


def test_the_token_cookie_acts_as_its_user(app, client, user, admin):
    csrf = _cookie_signed_in(app, client, USER_EMAIL, USER_PASSWORD)

    me = client.get("/api/users", headers={"X-CSRF-TOKEN": csrf})
    search = client.get("/users/search", headers={"X-CSRF-TOKEN": csrf})

    assert me.status_code == 200 and me.json["email"] == USER_EMAIL
    assert search.status_code == 403


def test_an_admins_token_cookie_manages_users(app, client, admin):
    csrf = _cookie_signed_in(app, client, ADMIN_EMAIL, ADMIN_PASSWORD)

    created = client.post("/api/v1/user/store", json=NEW, headers={"X-CSRF-TOKEN": csrf})
    without_csrf = client.post("/api/users", json={**NEW, "email": "x@store.example"})

    assert created.status_code == 201, created.json
    assert without_csrf.status_code == 401


@pytest.mark.parametrize("q", ["\x00", "ana\x1b"])
def test_search_refuses_control_characters_on_every_database(client, people, admin_auth, q):
    response = client.get("/users/search", query_string={"q": q}, headers=admin_auth)

    assert response.status_code == 400
    assert list(response.json["errors"]) == ["q"]
