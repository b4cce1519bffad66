"""GET/POST /login, POST /logout: the session cookie, its CSRF token, the guard of user routes."""
import re

import pytest
from flask import Blueprint

from config import TestConfig
from wms import create_app
from wms.extensions import db
from wms.models import User
from wms.oauth.guard import current_user, require_user

from tests.conftest import USER_EMAIL, USER_PASSWORD

MISMATCH = {"message": "CSRF token mismatch."}
UNAUTHENTICATED = {"message": "Unauthenticated."}


def form_token(client, path="/login"):
    response = client.get(path)
    assert response.status_code == 200
    match = re.search(r'name="_token" value="([^"]+)"', response.text)
    assert match, response.text
    return match.group(1)


def login(client, next_url="/", password=USER_PASSWORD, email=USER_EMAIL):
    token = form_token(client)
    return client.post("/login", data={
        "_token": token, "email": email, "password": password, "next": next_url})


def session_set_cookie(response, name="session"):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


@pytest.fixture
def echo_route(app):
    """A test-only write route behind require_user, answering who acts."""
    bp = Blueprint("test_echo", __name__)
    bp.before_request(require_user)
    bp.add_url_rule("/echo", "echo", lambda: {"id": current_user().id}, methods=["POST"])
    app.register_blueprint(bp, url_prefix="/test-only")
    return "/test-only/echo"


def test_the_login_page_is_a_form_with_a_csrf_token(client):
    response = client.get("/login?next=/oauth/scopes")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert 'name="email"' in response.text and 'name="password"' in response.text
    assert 'name="next" value="/oauth/scopes"' in response.text
    assert "<script" not in response.text and "http" not in response.text.split("<body>")[1]
    token = re.search(r'name="_token" value="([^"]+)"', response.text).group(1)
    assert len(token) >= 32
    # The readable XSRF-TOKEN cookie carries the same token.
    xsrf = session_set_cookie(response, "XSRF-TOKEN")
    assert xsrf.startswith(f"XSRF-TOKEN={token};") and "HttpOnly" not in xsrf


def test_a_form_login_redirects_to_next_and_signs_in(client, user):
    response = login(client, next_url="/oauth/scopes?x=1")

    assert response.status_code == 302
    assert response.headers["Location"] == "/oauth/scopes?x=1"
    cookie = session_set_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires=" in cookie  # a permanent session, SESSION_LIFETIME long

    scopes = client.get("/oauth/scopes")
    assert scopes.status_code == 200
    assert {s["id"] for s in scopes.json} == {"read", "write", "users"}


def test_the_cookie_is_secure_when_configured(config_class, _schema, user):
    class Secure(config_class):
        SESSION_COOKIE_SECURE = True

    secure_app = create_app(Secure)
    try:
        response = login(secure_app.test_client())
    finally:
        with secure_app.app_context():
            db.session.remove()
            db.engine.dispose()

    assert response.status_code == 302
    assert "Secure" in session_set_cookie(response)
    assert "Secure" in session_set_cookie(response, "XSRF-TOKEN")


def test_login_rotates_the_csrf_token(client, user):
    before = form_token(client)
    login(client)
    after = form_token(client)

    assert before != after
    assert client.post("/logout", headers={"X-CSRF-TOKEN": before}).status_code == 419


def test_a_cookie_write_without_the_csrf_token_is_419(echo_route, client, user):
    login(client)

    response = client.post(echo_route)

    assert response.status_code == 419
    assert response.json == MISMATCH
    assert client.post(echo_route, headers={"X-CSRF-TOKEN": "wrong"}).json == MISMATCH
    assert client.post(echo_route, data={"_token": ""}).status_code == 419


def test_a_cookie_write_with_the_csrf_token_passes(echo_route, client, user):
    login(client)
    token = form_token(client)
    xsrf = client.get_cookie("XSRF-TOKEN").value

    assert xsrf == token
    for headers in ({"X-CSRF-TOKEN": token}, {"X-XSRF-TOKEN": xsrf}):
        response = client.post(echo_route, headers=headers)
        assert response.status_code == 200, response.json
        assert response.json["id"] == user.id
    assert client.post(echo_route, data={"_token": token}).status_code == 200


def test_a_bearer_token_needs_no_csrf_token(echo_route, client, user_auth):
    response = client.post(echo_route, headers=user_auth)

    assert response.status_code == 200


def test_a_bad_authorization_header_does_not_fall_back_to_the_cookie(client, user):
    login(client)

    response = client.get("/oauth/scopes", headers={"Authorization": "Bearer nonsense"})

    assert response.status_code == 401
    assert response.json == UNAUTHENTICATED


def test_a_wrong_password_is_401_and_signs_nobody_in(client, user):
    response = login(client, password="wrong password")

    assert response.status_code == 401
    assert response.mimetype == "text/html"
    assert "These credentials do not match our records." in response.text
    assert f'value="{USER_EMAIL}"' in response.text
    assert client.get("/oauth/scopes").status_code == 401


def test_an_unknown_email_gets_the_same_answer(client, user):
    unknown = login(client, email="nobody@store.example")
    wrong = login(client, password="wrong password")

    assert unknown.status_code == wrong.status_code == 401
    assert "These credentials do not match our records." in unknown.text


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "/\\evil.example", "evil.example",
    "javascript:alert(1)", "///evil.example"])
def test_next_never_leaves_the_site(client, user, target):
    response = login(client, next_url=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_form_login_without_the_csrf_token_is_419(client, user):
    form_token(client)  # a session cookie, but the form forgets the token

    response = client.post("/login", data={"email": USER_EMAIL, "password": USER_PASSWORD})

    assert response.status_code == 419
    assert response.json == MISMATCH
    assert client.get("/oauth/scopes").status_code == 401


def test_a_form_login_without_a_session_is_419(client, user):
    response = client.post("/login", data={"email": USER_EMAIL, "password": USER_PASSWORD})

    assert response.status_code == 419


def test_logout_ends_the_session(client, user):
    login(client)
    token = form_token(client)

    assert client.post("/logout").status_code == 419  # a cookie write needs the token
    assert client.get("/oauth/scopes").status_code == 200

    response = client.post("/logout", data={"_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get("/oauth/scopes").status_code == 401
    assert client.get_cookie("XSRF-TOKEN") is None


def test_logout_answers_json_with_204(client, user):
    login(client)
    token = form_token(client)

    response = client.post("/logout", headers={"X-CSRF-TOKEN": token,
                                               "Accept": "application/json"})

    assert response.status_code == 204
    assert client.get("/oauth/scopes").status_code == 401


def test_a_json_login_without_a_cookie_works(client, user):
    response = client.post("/login", json={"email": USER_EMAIL.upper(),
                                           "password": USER_PASSWORD})

    assert response.status_code == 200
    assert response.json["id"] == user.id
    assert response.json["email"] == USER_EMAIL
    assert "password" not in response.json
    assert client.get("/oauth/scopes").status_code == 200
    assert client.get_cookie("XSRF-TOKEN") is not None


def test_a_json_login_with_wrong_credentials_is_401(client, user):
    response = client.post("/login", json={"email": USER_EMAIL, "password": "nope nope"})

    assert response.status_code == 401
    assert response.json == {"message": "These credentials do not match our records."}
    assert client.get_cookie("session") is None


def test_a_json_login_with_missing_fields_is_400(client, user):
    response = client.post("/login", json={"email": USER_EMAIL})

    assert response.status_code == 400
    assert response.json["errors"] == {"password": ["The password field is required."]}


def test_a_json_login_with_a_session_cookie_needs_its_token(client, user):
    token = form_token(client)

    credentials = {"email": USER_EMAIL, "password": USER_PASSWORD}

    assert client.post("/login", json=credentials).status_code == 419
    response = client.post("/login", json=credentials, headers={"X-XSRF-TOKEN": token})
    assert response.status_code == 200


def test_a_session_of_a_deleted_user_is_unauthenticated(app, client, user):
    login(client)
    with app.app_context():
        db.session.delete(db.session.get(User, user.id))
        db.session.commit()

    assert client.get("/oauth/scopes").json == UNAUTHENTICATED


def test_a_forged_session_cookie_is_ignored(client, user):
    client.set_cookie("session", "eyJ1c2VyX2lkIjoxfQ.forged.signature")

    assert client.get("/oauth/scopes").status_code == 401


def test_login_is_rate_limited(app, client, user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    token = form_token(client)
    wrong = {"_token": token, "email": USER_EMAIL, "password": "wrong password"}
    for _ in range(3):
        response = client.post("/login", data=wrong)
        assert response.status_code == 401
        assert response.headers["X-RateLimit-Limit"] == "3"

    response = client.post("/login", data={**wrong, "password": USER_PASSWORD})

    assert response.status_code == 429
    assert response.json == {"message": "Too Many Attempts."}
    assert client.get("/login").status_code == 200  # the page itself is not limited


def test_the_defaults():
    assert TestConfig.SESSION_COOKIE_HTTPONLY is True
    assert TestConfig.SESSION_COOKIE_SAMESITE == "Lax"
    assert TestConfig.SESSION_COOKIE_SECURE is False
    assert TestConfig.PERMANENT_SESSION_LIFETIME == 7200
    assert TestConfig.LOGIN_RATE_LIMIT == "10 per minute"


def test_bearer_requests_get_no_cookies(client, user_auth):
    response = client.get("/oauth/scopes", headers=user_auth)

    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == []
    assert "Cookie" not in response.headers.get("Vary", "")
