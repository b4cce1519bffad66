"""The Alembic chain builds exactly the schema the models describe (no drift)."""
import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestConfig
from tests.scratch import scratch_database
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


@pytest.mark.skipif(not os.environ.get("WMS_TEST_DATABASE_URL"),
                    reason="needs WMS_TEST_DATABASE_URL")
def test_server_migrations_match_the_models(config_class):
    """On the server database of the run, in a schema or database of its own."""
    with scratch_database(TestConfig.SQLALCHEMY_DATABASE_URI) as url:
        _assert_no_drift(_migrated_app(config_class, url))
