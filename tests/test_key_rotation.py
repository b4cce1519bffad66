"""Key rotation: new tokens get the new key, old tokens stay valid, servers switch by themselves."""
import base64
import json
import os
import time

import pytest

import wms.keys
from wms import create_app

URL = "/api/v1/warehouses/getall"


def kid_of(token):
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


@pytest.fixture
def files_config(config_class, tmp_path):
    class Config(config_class):
        OAUTH_PRIVATE_KEY = str(tmp_path / "keys" / "oauth-private.key")
        OAUTH_PUBLIC_KEY = ""

    return Config


@pytest.fixture
def clock(monkeypatch):
    """The key cache's clock, moved by hand."""
    now = [time.monotonic()]
    monkeypatch.setattr(wms.keys.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def server(app, files_config):
    """A server reading its keys from files (`app` empties the tables afterwards)."""
    server = create_app(files_config)
    result = server.test_cli_runner().invoke(args=["oauth", "keys", "--bits", "2048"])
    assert result.exit_code == 0, result.output
    return server


def get_token(server):
    runner = server.test_cli_runner()
    created = json.loads(runner.invoke(args=["oauth", "create-client", "--name", "s",
                                             "--client-credentials", "--json"]).output)
    response = server.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", **created})
    return response.json["access_token"]


def rotate(server):
    result = server.test_cli_runner().invoke(args=["oauth", "rotate-keys", "--bits", "2048",
                                                   "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def works(server, token):
    response = server.test_client().get(URL, headers={"Authorization": f"Bearer {token}"})
    return response.status_code == 200


def test_old_tokens_stay_valid_and_new_ones_use_the_new_key(server, clock):
    before = get_token(server)
    rotated = rotate(server)
    clock[0] += wms.keys.KEY_RELOAD_SECONDS + 1

    after = get_token(server)

    assert kid_of(before) == rotated["retired_kid"]
    assert kid_of(after) == rotated["kid"] != rotated["retired_kid"]
    assert works(server, before) and works(server, after)


def test_a_running_server_switches_within_the_reload_time(server, files_config, clock):
    other = create_app(files_config)  # another server on the same key files
    first = get_token(other)

    rotated = rotate(server)
    assert kid_of(get_token(other)) == kid_of(first)  # still inside its reload window
    clock[0] += wms.keys.KEY_RELOAD_SECONDS + 1
    fresh = get_token(other)

    assert kid_of(fresh) == rotated["kid"]
    assert works(other, first) and works(other, fresh)


def test_a_token_of_a_worker_that_switched_first_verifies_at_once(server, files_config, clock):
    """Two workers on the same key files, at one moment of a rotation: the one that switched
    signs with the new key; the other, inside its reload window, must take that token and
    publish the new key already."""
    late = create_app(files_config)
    earlier = get_token(late)
    assert works(late, earlier)  # it has read the keys: its window starts now

    rotated = rotate(server)
    switched = create_app(files_config)  # read the files after the rotation
    fresh = get_token(switched)
    assert kid_of(fresh) == rotated["kid"]

    assert works(late, fresh)
    assert works(late, earlier)
    kids = {k["kid"] for k in late.test_client().get("/.well-known/jwks.json").json["keys"]}
    assert kids == {rotated["kid"], rotated["retired_kid"]}


def test_unknown_kids_make_no_key_files_parsed(server, clock, monkeypatch):
    token = get_token(server)
    assert works(server, token)
    parsed = []
    monkeypatch.setattr(wms.keys, "load_keys",
                        lambda app: parsed.append(app) or pytest.fail("keys parsed"))
    header, payload, signature = token.split(".")
    for n in range(20):
        forged = {"typ": "JWT", "alg": "RS256", "kid": f"forged-{n}"}
        forged_header = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=")
        assert not works(server, f"{forged_header.decode()}.{payload}.{signature}")
    assert parsed == []
    assert works(server, token)


def test_jwks_lists_every_trusted_key(server, clock):
    rotated = rotate(server)
    clock[0] += wms.keys.KEY_RELOAD_SECONDS + 1

    keys = server.test_client().get("/.well-known/jwks.json").json["keys"]

    assert {k["kid"] for k in keys} == {rotated["kid"], rotated["retired_kid"]}
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig" for k in keys)
    assert all(set(k) == {"kty", "n", "e", "kid", "alg", "use"} for k in keys)


def test_retired_keys_older_than_any_token_are_dropped(server, tmp_path):
    first = rotate(server)
    retired = tmp_path / "keys" / "oauth-retired-keys" / f"{first['retired_kid']}.pem"
    long_ago = time.time() - server.config["ACCESS_TOKEN_LIFETIME"] - 60
    os.utime(retired, (long_ago, long_ago))

    second = rotate(server)

    assert not retired.exists()
    assert (retired.parent / f"{second['retired_kid']}.pem").exists()


def test_rotation_needs_key_files(runner):
    result = runner.invoke(args=["oauth", "rotate-keys", "--bits", "2048"])

    assert result.exit_code != 0
    assert "holds the key itself" in result.output


def test_metadata_names_the_endpoints(client):
    body = client.get("/.well-known/oauth-authorization-server").json

    assert body["issuer"] == "http://localhost"
    assert body["token_endpoint"] == "http://localhost/oauth/token"
    assert body["jwks_uri"] == "http://localhost/.well-known/jwks.json"
    assert body["revocation_endpoint"] == "http://localhost/oauth/revoke"
    assert body["introspection_endpoint"] == "http://localhost/oauth/introspect"
    assert body["authorization_endpoint"] == "http://localhost/oauth/authorize"
    assert body["grant_types_supported"] == ["authorization_code", "client_credentials",
                                             "password", "refresh_token"]
    assert body["response_types_supported"] == ["code"]
    assert body["code_challenge_methods_supported"] == ["S256", "plain"]
    assert body["scopes_supported"] == ["read", "write", "users"]


def test_the_issuer_can_be_configured(app, client):
    app.config["OAUTH_ISSUER"] = "https://wms.example.com"

    assert client.get("/.well-known/oauth-authorization-server").json["issuer"] == (
        "https://wms.example.com")
