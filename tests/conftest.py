"""Fixtures: an app on a test database (SQLite file, or WMS_TEST_DATABASE_URL), clients, tokens.

The tables are made once per run and emptied after every test; the run drops them at the end.
"""
import os
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from config import TestConfig
from wms import create_app
from wms.extensions import db
from wms.keys import generate_key_pair
from wms.services.clients import create_client
from wms.services.demo import load_demo
from wms.services.users import create_user

from tests.scratch import scratch_database


@pytest.fixture(scope="session")
def key_pair():
    private_pem, public_pem = generate_key_pair(2048)
    return private_pem.decode(), public_pem.decode()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("WMS_TEST_DATABASE_URL")
    if not url:
        # A file, not :memory:, so that threads in the concurrency tests share one database.
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    with scratch_database(TestConfig.SQLALCHEMY_DATABASE_URI) as url:
        yield url


@pytest.fixture(scope="session")
def config_class(key_pair, database_url, tmp_path_factory):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        OAUTH_PRIVATE_KEY, OAUTH_PUBLIC_KEY = key_pair

    return Config


@pytest.fixture(scope="session")
def _schema(config_class):
    app = create_app(config_class)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _empty_tables():
    tables = db.metadata.sorted_tables
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    elif dialect in ("mysql", "mariadb"):
        db.session.execute(sa.text("SET FOREIGN_KEY_CHECKS = 0"))
        for table in tables:
            db.session.execute(sa.text(f"TRUNCATE TABLE {table.name}"))
        db.session.execute(sa.text("SET FOREIGN_KEY_CHECKS = 1"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(config_class, _schema):
    """The app, with no context pushed: each request gets its own session, as in production."""
    app = create_app(config_class)
    yield app
    with app.app_context():
        _empty_tables()
        db.session.remove()
    _dispose_all_engines()


def _dispose_all_engines():
    """Close the pools of every app made during the test (extra servers in key-rotation and
    rate-limit tests too): a connection left to the garbage collector warns, which fails."""
    for engines in list(db._app_engines.values()):
        for engine in engines.values():
            engine.dispose()


@pytest.fixture
def make_app(config_class, _schema):
    """make_app(**settings): apps beyond `app` (other settings, other databases, other servers);
    `app` empties the tables afterwards."""
    made = []

    def make(**settings):
        new = create_app(type("Config", (config_class,), settings))
        made.append(new)
        return new

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture(params=["sqlite", "server"])
def empty_database_url(request, tmp_path):
    """A new, empty database: a SQLite file; then, when the run has WMS_TEST_DATABASE_URL, a
    schema or database of its own on that server (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not os.environ.get("WMS_TEST_DATABASE_URL"):
        pytest.skip("needs WMS_TEST_DATABASE_URL")
    with scratch_database(TestConfig.SQLALCHEMY_DATABASE_URI) as url:
        yield url


@pytest.fixture
def ctx(app):
    """An app context, for tests that call services or read the database directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    with app.app_context():
        return load_demo()


@pytest.fixture
def oauth_client(app):
    """A client-credentials client: (client, plain secret)."""
    with app.app_context():
        return create_client(name="Test scanner")


@pytest.fixture
def token(client, oauth_client):
    """An access token from POST /oauth/token with the client-credentials grant."""
    app_client, secret = oauth_client
    response = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app_client.id, "client_secret": secret})
    assert response.status_code == 200, response.json
    return response.json["access_token"]


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` collects the SQL the block runs."""
    @contextmanager
    def counting():
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting


USER_EMAIL, USER_PASSWORD = "clerk@store.example", "correct horse"
ADMIN_EMAIL, ADMIN_PASSWORD = "boss@store.example", "admin password"


@pytest.fixture
def admin(app):
    """A user who is an admin (may manage users)."""
    with app.app_context():
        return create_user(name="Boss", email=ADMIN_EMAIL, password=ADMIN_PASSWORD,
                           is_admin=True)


@pytest.fixture
def user(app):
    """A user who is not an admin."""
    with app.app_context():
        return create_user(name="Clerk", email=USER_EMAIL, password=USER_PASSWORD)


@pytest.fixture
def user_token(app, client, user):
    """The user's access token, from the password grant on a password client."""
    with app.app_context():
        password_client, secret = create_client(name="Web UI", password=True)
    response = client.post("/oauth/token", data={
        "grant_type": "password", "client_id": password_client.id, "client_secret": secret,
        "username": USER_EMAIL, "password": USER_PASSWORD})
    assert response.status_code == 200, response.json
    return response.json["access_token"]


@pytest.fixture
def user_auth(user_token):
    return {"Authorization": f"Bearer {user_token}"}
