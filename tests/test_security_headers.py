"""Security headers on every response, a CSP on the HTML pages, no caching of token and user
answers; CORS keeps working."""
import re

import pytest

from tests.conftest import USER_EMAIL, USER_PASSWORD

WAREHOUSES = "/api/v1/warehouses/getall"
ORIGIN = "https://ui.example.com"


def assert_secure(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_every_kind_of_answer_has_them(client, demo, auth):
    answers = [client.get(WAREHOUSES, headers=auth), client.get(WAREHOUSES),
               client.get("/nowhere"), client.post("/healthz"), client.get("/healthz"),
               client.get("/login"), client.get("/.well-known/jwks.json")]

    assert [r.status_code for r in answers] == [200, 401, 404, 405, 200, 200, 200]
    for response in answers:
        assert_secure(response)


def test_answers_are_not_stored_unless_a_view_says_so(client, demo, auth):
    assert client.get(WAREHOUSES, headers=auth).headers["Cache-Control"] == "no-store"
    assert client.get("/.well-known/jwks.json").headers["Cache-Control"] == "public, max-age=60"


def test_token_answers_are_not_stored(client, oauth_client, user, user_auth):
    app_client, secret = oauth_client
    answers = {
        "/oauth/token": client.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": app_client.id,
            "client_secret": secret}),
        "/oauth/personal-access-tokens": client.post(
            "/oauth/personal-access-tokens", json={"name": "cli"}, headers=user_auth),
        "/api/1.0 tokens": client.post(f"/api/1.0/users/{user.id}/tokens",
                                       json={"name": "cli"}, headers=user_auth),
        "/api/v2 tokens": client.post(f"/api/v2/users/{user.id}/personal_tokens/",
                                      json={"description": "cli"}, headers=user_auth),
        "/api/login": client.post("/api/login", json={"email": USER_EMAIL,
                                                      "password": USER_PASSWORD}),
    }

    for route, response in answers.items():
        assert response.status_code in (200, 201), (route, response.json)
        assert response.headers["Cache-Control"] == "no-store", route


def test_user_answers_are_not_stored(client, user, user_auth):
    for response in (client.get("/api/users", headers=user_auth),
                     client.get(f"/api/1.0/users/{user.id}/tokens", headers=user_auth),
                     client.get("/oauth/personal-access-tokens", headers=user_auth)):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_pages_get_a_csp_whose_nonce_allows_their_style(client):
    first, second = client.get("/login"), client.get("/login")

    csp = first.headers["Content-Security-Policy"]
    [nonce] = re.findall(r"style-src 'nonce-([^']+)'", csp)
    assert f'<style nonce="{nonce}">' in first.text
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "script-src" not in csp
    assert first.headers["X-Frame-Options"] == "DENY"
    assert first.headers["Cache-Control"] == "no-store"
    assert second.headers["Content-Security-Policy"] != csp


def test_json_answers_need_no_csp(client):
    assert "Content-Security-Policy" not in client.get("/healthz").headers


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_cors_preflights_still_pass_and_the_request_id_is_readable(client, demo, auth, method):
    preflight = client.options(WAREHOUSES, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "Authorization, X-Request-Id"})
    actual = client.get(WAREHOUSES, headers={**auth, "Origin": ORIGIN})

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", ORIGIN)
    assert "x-request-id" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert_secure(preflight)
    assert "X-Request-Id" in actual.headers["Access-Control-Expose-Headers"]
