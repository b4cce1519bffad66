"""The database cannot be reached, or the connection to it is lost: 503 `{"message"}` with
Retry-After and one log line without a traceback, never a 500; once the database is back the
next request succeeds, without a restart."""
import logging
import os
import socket

import pytest
import sqlalchemy as sa

from tests.tcp_proxy import TcpProxy
from wms.extensions import db

UNAVAILABLE = {"message": "Servicio no disponible: la base de datos no responde."}
WAREHOUSES = "/api/v1/warehouses/getall"
LOCATE = "/api/v1/locationvariation/locateitemscan"

# A database of each kind that cannot be reached: a port nothing listens on (a socket bound
# there and never listening refuses every connection), a SQLite file in a missing folder.
UNREACHABLE = {
    "postgresql": "postgresql+psycopg://wms@127.0.0.1:{port}/wms",
    "mariadb": "mysql+pymysql://wms@127.0.0.1:{port}/wms",
    "sqlite": "sqlite:///{folder}/missing/wms.db",
}


@pytest.fixture(scope="module")
def refusing_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(params=sorted(UNREACHABLE))
def down(request, make_app, refusing_port, tmp_path):
    """An app whose database cannot be reached (each driver in turn), errors not propagated."""
    return make_app(PROPAGATE_EXCEPTIONS=False, SQLALCHEMY_DATABASE_URI=UNREACHABLE[
        request.param].format(port=refusing_port, folder=tmp_path))


def assert_unavailable(response):
    assert response.status_code == 503
    assert response.json == UNAVAILABLE
    assert int(response.headers["Retry-After"]) >= 1


def assert_logged_once(caplog):
    """One line at WARNING, without a traceback; nothing else above INFO."""
    loud = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(loud) == 1, [record.getMessage() for record in loud]
    assert "\n" not in loud[0].getMessage()
    assert not any(record.exc_info for record in caplog.records)


CALLS = {
    "the guard's token lookup": ("GET", WAREHOUSES, {}),
    "a write": ("POST", LOCATE, {"json": {"warehouse_id": 1, "sku": "1921176",
                                          "mapped_string": "R1-A1-N2"}}),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_bearer_routes_answer_503(down, token, caplog, call):
    method, url, kwargs = CALLS[call]
    caplog.set_level(logging.INFO)

    response = down.test_client().open(url, method=method,
                                       headers={"Authorization": f"Bearer {token}"}, **kwargs)

    assert_unavailable(response)
    assert_logged_once(caplog)


def test_the_token_endpoint_answers_503(down, caplog):
    caplog.set_level(logging.INFO)

    response = down.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "1", "client_secret": "secret"})

    assert_unavailable(response)
    assert_logged_once(caplog)


def test_login_answers_503(down, caplog):
    caplog.set_level(logging.INFO)

    response = down.test_client().post("/api/login", json={"email": "clerk@store.example",
                                                           "password": "correct horse"})

    assert_unavailable(response)
    assert_logged_once(caplog)


SERVER_DATABASE = (os.environ.get("WMS_TEST_DATABASE_URL") or "sqlite").split(":")[0]


@pytest.mark.skipif(SERVER_DATABASE.startswith("sqlite"), reason="needs a database server")
def test_a_lost_connection_is_a_503_and_the_database_coming_back_is_enough(
        make_app, database_url, demo, auth, caplog):
    """Through a proxy the test cuts: the pooled connection dies and new ones are refused."""
    url = sa.make_url(database_url)
    default_port = 5432 if url.get_backend_name() == "postgresql" else 3306
    with TcpProxy((url.host, url.port or default_port)) as proxy:
        proxied = make_app(PROPAGATE_EXCEPTIONS=False, SQLALCHEMY_DATABASE_URI=url.set(
            host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
        client = proxied.test_client()
        assert client.get(WAREHOUSES, headers=auth).status_code == 200

        proxy.cut()
        caplog.set_level(logging.INFO)
        reading = client.get(WAREHOUSES, headers=auth)
        writing = client.post(LOCATE, headers=auth, json=CALLS["a write"][2]["json"])
        proxy.restore()
        back = client.post(LOCATE, headers=auth, json=CALLS["a write"][2]["json"])
        with proxied.app_context():
            db.engine.dispose()  # before the proxy closes

    assert_unavailable(reading)
    assert_unavailable(writing)
    loud = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(loud) == 2
    assert not any(record.exc_info for record in caplog.records)
    assert back.status_code == 200


@pytest.mark.parametrize("url, connect_args", [
    ("postgresql+psycopg://wms@db/wms", {"connect_timeout": 5}),
    ("mysql+pymysql://wms@db/wms", {"connect_timeout": 5}),
    ("sqlite:///wms.db", None),  # a file: nothing to wait for
])
def test_a_server_that_does_not_answer_is_given_up_on(make_app, url, connect_args):
    """DATABASE_CONNECT_TIMEOUT reaches the driver: a server that does not answer fails the
    request (503) instead of holding the worker until gunicorn kills it."""
    options = make_app(SQLALCHEMY_DATABASE_URI=url).config["SQLALCHEMY_ENGINE_OPTIONS"]

    assert options.get("connect_args") == connect_args


@pytest.mark.skipif(SERVER_DATABASE.startswith("sqlite"), reason="needs a database server")
@pytest.mark.parametrize("idle_enough, answer", [(True, 200), (False, 503)])
def test_a_connection_idle_long_enough_is_tested_before_use(
        make_app, database_url, demo, auth, monkeypatch, idle_enough, answer):
    """The database restarted while the pooled connection sat idle: a connection idle for
    PING_AFTER_IDLE is tested and replaced, and the request goes through; one in steady use is
    not tested (no round trip per request), so its request is the one that finds it dead."""
    url = sa.make_url(database_url)
    default_port = 5432 if url.get_backend_name() == "postgresql" else 3306
    with TcpProxy((url.host, url.port or default_port)) as proxy:
        proxied = make_app(PROPAGATE_EXCEPTIONS=False, SQLALCHEMY_DATABASE_URI=url.set(
            host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
        client = proxied.test_client()
        assert client.get(WAREHOUSES, headers=auth).status_code == 200

        proxy.cut()  # the pooled connection dies
        proxy.restore()
        monkeypatch.setattr("wms.extensions.PING_AFTER_IDLE", 0 if idle_enough else 10**9)
        after = client.get(WAREHOUSES, headers=auth)
        with proxied.app_context():
            db.engine.dispose()

    assert after.status_code == answer
