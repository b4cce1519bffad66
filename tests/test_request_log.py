"""One log line per request (logger wms.request) with its request id, and never a secret."""
import logging
import re

import pytest

from tests.conftest import USER_EMAIL, USER_PASSWORD
from wms.services.clients import create_client

WAREHOUSES = "/api/v1/warehouses/getall"
LINE = re.compile(r"request_id=(?P<id>\S+) method=(?P<method>\S+) path=(?P<path>\S+) "
                  r"status=(?P<status>\d{3}) duration_ms=(?P<duration>\d+\.\d) "
                  r"client=(?P<client>\S+) user=(?P<user>\S+) ip=(?P<ip>\S+)")


@pytest.fixture
def lines(caplog):
    """lines() -> the parsed wms.request lines logged so far."""
    caplog.set_level(logging.DEBUG)

    def parsed():
        found = []
        for record in caplog.records:
            if record.name == "wms.request":
                match = LINE.fullmatch(record.getMessage())
                assert match, record.getMessage()
                found.append(match.groupdict())
        return found

    return parsed


def test_one_line_per_request_with_the_token_s_client(client, oauth_client, auth, lines):
    app_client, _secret = oauth_client

    response = client.get(f"{WAREHOUSES}?store_id=1&page=1", headers=auth)

    [line] = lines()
    assert line["id"] == response.headers["X-Request-Id"]
    assert (line["method"], line["path"], line["status"]) == ("GET", WAREHOUSES, "200")
    assert (line["client"], line["user"], line["ip"]) == (str(app_client.id), "-", "127.0.0.1")
    assert float(line["duration"]) >= 0


def test_a_user_s_token_names_the_user(client, user, user_auth, lines):
    client.get("/api/users", headers=user_auth)

    assert lines()[-1]["user"] == str(user.id)


def test_a_refused_request_is_logged_too(client, lines):
    client.get(WAREHOUSES, headers={"Authorization": "Bearer not-a-token"})
    client.get("/nowhere")

    assert [(line["status"], line["client"]) for line in lines()] == [("401", "-"), ("404", "-")]


@pytest.mark.parametrize("sent", ["3f2b8c1e-5d4a-4c3b-9a1e-7f6d5c4b3a21", "a" * 128,
                                  "Root=1-5f84c7a2-2c5d4e6f;Parent=53995c3f"[:24], "req.42:x"])
def test_a_safe_request_id_is_kept(client, lines, sent):
    response = client.get("/healthz", headers={"X-Request-Id": sent})

    assert response.headers["X-Request-Id"] == sent
    assert lines()[-1]["id"] == sent


@pytest.mark.parametrize("sent", ["", "a" * 129, "two words", "back\\slash", "-leading",
                                  "semi;colon", "ümlaut", "quote\"d"])
def test_an_unsafe_request_id_is_replaced(client, lines, sent):
    response = client.get("/healthz", headers={"X-Request-Id": sent})

    made = response.headers["X-Request-Id"]
    assert made != sent
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert lines()[-1]["id"] == made


def test_every_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-Id"] for _ in range(3)}

    assert len(ids) == 3


def test_the_path_is_logged_without_its_query_and_encoded(client, lines):
    client.get("/api/v1/warehouses/getall%0Afake=1 x?q=secret", headers={"X-Request-Id": "r1"})

    [line] = lines()
    assert line["path"] == "/api/v1/warehouses/getall%0Afake=1%20x"


def test_a_503_names_the_request_in_both_lines(app, client, auth, lines, caplog, monkeypatch):
    """The database warning and the request line share the request id."""
    from sqlalchemy.exc import OperationalError
    import psycopg

    import wms.access_tokens

    def lost(token_string):
        raise OperationalError("SELECT ...", {}, psycopg.OperationalError("connection lost"))

    monkeypatch.setattr(wms.access_tokens, "presented_token", lost)
    monkeypatch.setattr("wms.oauth.guard.presented_token", lost)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    client.get(WAREHOUSES, headers={**auth, "X-Request-Id": "outage-1"})

    [warning] = [r for r in caplog.records if r.name == "wms.database"]
    assert warning.getMessage().startswith("request_id=outage-1 database unavailable: ")
    assert lines()[-1]["id"] == "outage-1" and lines()[-1]["status"] == "503"


def test_no_secret_is_ever_logged(app, client, user, caplog):
    """Secrets in headers, bodies, queries and paths: none of them in any log record."""
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        scanner, scanner_secret = create_client(name="Scanner")
        web, web_secret = create_client(name="Web UI", password=True)
    secrets = [scanner_secret, web_secret, USER_PASSWORD]

    issued = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": scanner.id,
        "client_secret": scanner_secret}).json["access_token"]
    password_grant = client.post("/oauth/token", json={
        "grant_type": "password", "client_id": web.id, "client_secret": web_secret,
        "username": USER_EMAIL, "password": USER_PASSWORD}).json
    secrets += [issued, password_grant["access_token"], password_grant["refresh_token"]]
    user_auth = {"Authorization": f"Bearer {password_grant['access_token']}"}

    client.get(WAREHOUSES, headers={"Authorization": f"Bearer {issued}"})
    client.get(WAREHOUSES, headers={"X-API-Key": issued})
    client.get(f"{WAREHOUSES}?access_token={issued}&client_secret={scanner_secret}")
    client.post(f"/oauth/token?client_secret={scanner_secret}&password={USER_PASSWORD}", data={
        "grant_type": "client_credentials", "client_id": scanner.id})
    client.post("/oauth/token", data={"grant_type": "client_credentials",
                                      "client_id": scanner.id, "client_secret": "wrong-secret"})
    secrets.append("wrong-secret")
    login = client.post("/api/login", json={"email": USER_EMAIL, "password": USER_PASSWORD})
    secrets.append(login.json["access_token"])
    client.post(f"/api/login?password={USER_PASSWORD}", json={"email": USER_EMAIL})
    client.post("/login", json={"email": USER_EMAIL, "password": "not-the-password"})
    secrets.append("not-the-password")
    made = client.post("/oauth/personal-access-tokens", json={"name": "CLI"}, headers=user_auth)
    jwt, jti = made.json["accessToken"], made.json["token"]["id"]
    secrets += [jwt, jti]
    client.delete(f"/oauth/personal-access-tokens/{jti}", headers=user_auth)
    client.post("/oauth/revoke", data={"token": issued, "client_id": scanner.id,
                                       "client_secret": scanner_secret})
    client.post("/oauth/token", data={
        "grant_type": "refresh_token", "client_id": web.id, "client_secret": web_secret,
        "refresh_token": password_grant["refresh_token"]})

    logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    assert logged.count("request_id=") >= 13
    assert f"/oauth/personal-access-tokens/{jti[:8]}..." in logged
    for secret in secrets:
        assert secret not in logged
