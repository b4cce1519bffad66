"""The Alembic chain builds exactly the schema the models describe (no drift)."""
import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from wms import create_app
from wms.extensions import db


def _migrated_app(config_class, url):
    class Config(config_class):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def _assert_no_drift(app):
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_sqlite_migrations_match_the_models(config_class, tmp_path):
    _assert_no_drift(_migrated_app(config_class, f"sqlite:///{tmp_path / 'migrated.db'}"))


@pytest.mark.skipif(not os.environ.get("WMS_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="needs WMS_TEST_DATABASE_URL on PostgreSQL")
def test_postgresql_migrations_match_the_models(config_class):
    """Run in a schema of its own, beside the suite's tables."""
    schema = f"migration_{uuid.uuid4().hex[:8]}"
    base_url = config_class.SQLALCHEMY_DATABASE_URI
    admin = sa.create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        url = sa.make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        _assert_no_drift(_migrated_app(config_class, url.render_as_string(hide_password=False)))
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
