"""Rows written with explicit ids (demo data, e-commerce ids) must not collide with later ones."""
import sqlalchemy as sa

from wms.extensions import db


def sync_id_sequences(*models):
    """PostgreSQL keeps a sequence per id column that explicit ids do not advance: move it past
    the largest id. SQLite and MariaDB count from the largest id by themselves."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 1), "
            f"(SELECT MAX(id) FROM {table}) IS NOT NULL)"))
