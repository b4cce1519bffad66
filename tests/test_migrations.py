"""The Alembic chain builds exactly the schema the models describe (no drift)."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from wms.extensions import db


def test_the_migrations_match_the_models(make_app, empty_database_url):
    """On SQLite, and on the server database of the run in a schema or database of its own."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_0005_numbers_existing_personal_tokens(make_app, empty_database_url):
    """0005 gives the personal tokens already there their integer ids, oldest first, and no
    other token one; the chain runs up and down over data (SQLite rebuilds altered tables)."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, name, email, password, is_admin) "
                "VALUES (1, 'Clerk', 'clerk@store.example', 'x', :f)"), {"f": False})
            conn.execute(sa.text(
                "INSERT INTO oauth_clients (id, name, redirect, personal_access_client, "
                "password_client, revoked, admin) VALUES (1, 'Personal', '', :t, :f, :f, :f), "
                "(2, 'Scanner', '', :f, :t, :f, :f)"), {"t": True, "f": False})
            for jti, client_id, created in [("newer", 1, "2026-02-01 00:00:00"),
                                            ("older", 1, "2026-01-01 00:00:00"),
                                            ("password", 2, "2025-12-01 00:00:00")]:
                conn.execute(sa.text(
                    "INSERT INTO oauth_access_tokens (id, user_id, client_id, scopes, revoked, "
                    "created_at) VALUES (:id, 1, :client, '[]', :f, :created)"),
                    {"id": jti, "client": client_id, "created": created, "f": False})
            # A row pointing at oauth_access_tokens, which 0005 rebuilds on SQLite.
            conn.execute(sa.text(
                "INSERT INTO oauth_refresh_tokens (id, access_token_id, family_id, revoked) "
                "VALUES ('r1', 'password', 'r1', :f)"), {"f": False})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, number FROM oauth_access_tokens")).all()
        numbers = dict(rows)
        assert numbers == {"older": 1, "newer": 2, "password": None}
        downgrade(revision="base")
        db.engine.dispose()


def test_0008_gives_existing_users_their_roles(make_app, empty_database_url):
    """0008 makes the `admin` and `user` roles and gives every user the one its is_admin says;
    going down, a deleted user is left a password no one can match."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, name, email, password, is_admin) VALUES "
                "(1, 'Boss', 'boss@store.example', 'x', :t), "
                "(2, 'Clerk', 'clerk@store.example', 'x', :f)"), {"t": True, "f": False})
        upgrade()
        with db.engine.begin() as conn:
            roles = dict(conn.execute(sa.text("SELECT name, id FROM roles")).all())
            links = conn.execute(sa.text(
                "SELECT model_id, role_id, model_type FROM model_has_roles "
                "ORDER BY model_id")).all()
            guards = conn.execute(sa.text("SELECT DISTINCT guard_name FROM roles")).all()
            # The next role gets the next id (PostgreSQL's sequence moved past the given ones).
            conn.execute(sa.text("INSERT INTO roles (name) VALUES ('supervisor')"))
            new_id = conn.scalar(sa.text("SELECT id FROM roles WHERE name = 'supervisor'"))
            conn.execute(sa.text("UPDATE users SET deleted_at = '2026-01-01 00:00:00', "
                                 "address = 'Calle 1' WHERE id = 2"))
        assert roles == {"admin": 1, "user": 2} and new_id == 3
        assert [tuple(link) for link in links] == [(1, 1, "App\\User"), (2, 2, "App\\User")]
        assert [tuple(g) for g in guards] == [("api",)]
        downgrade(revision="0007")
        with db.engine.connect() as conn:
            passwords = dict(conn.execute(sa.text("SELECT id, password FROM users")).all())
        assert passwords == {1: "x", 2: "!deleted"}
        downgrade(revision="base")
        db.engine.dispose()
