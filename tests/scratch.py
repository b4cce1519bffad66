"""Throw-away schemas (PostgreSQL) and databases (MariaDB) on a shared test server."""
import uuid
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def scratch_database(server_url):
    """Yield the URL of a new, empty schema or database on the server; drop it afterwards.

    Runs that share the server (a developer's and CI's, or two suites) never meet.
    """
    url = sa.make_url(server_url)
    name = f"wms_test_{uuid.uuid4().hex[:10]}"
    if url.get_backend_name() == "postgresql":
        create, drop = f"CREATE SCHEMA {name}", f"DROP SCHEMA {name} CASCADE"
        scratch_url = url.update_query_dict({"options": f"-csearch_path={name}"})
    else:
        create, drop = f"CREATE DATABASE {name}", f"DROP DATABASE {name}"
        scratch_url = url.set(database=name)
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(create))
    try:
        yield scratch_url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(drop))
        admin.dispose()
