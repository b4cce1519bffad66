"""GET /healthz and GET /readyz, for load balancers and orchestrators: no token, no rate limit.

/healthz says the process answers (no database access: a database outage must not get every
server restarted); /readyz that this server can serve: the database answers and its schema is
at the head of this code's migrations (503 otherwise, e.g. during a deploy before
`flask db upgrade`).
"""
from functools import lru_cache

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app
from sqlalchemy.exc import InterfaceError, OperationalError

from wms.db_errors import is_outage
from wms.errors import database_unavailable, unavailable
from wms.extensions import db
from wms.openapi import doc
from wms.schemas.health import HealthSchema

MIGRATIONS_BEHIND = "Servicio no disponible: la base de datos no tiene las migraciones al día."

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@doc(response=HealthSchema)
def healthz():
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
@doc(response=HealthSchema, responses={503: HealthSchema})
def readyz():
    """The database answers and its migrations are at head: 200, else 503; both say what was
    checked."""
    try:
        with db.engine.connect() as connection:
            current = sorted(MigrationContext.configure(connection).get_current_heads())
    except (OperationalError, InterfaceError) as error:
        if not is_outage(error):
            raise
        return database_unavailable(error, status="unavailable", database="unreachable")
    migrations = {"current": current, "head": _heads(current_app.extensions["migrate"].directory)}
    if current != migrations["head"]:
        return unavailable(MIGRATIONS_BEHIND, status="unavailable", database="ok",
                           migrations=migrations)
    return {"status": "ok", "database": "ok", "migrations": migrations}


@lru_cache
def _heads(directory):
    """The head revisions of the code's migrations (read once: they change with a deploy)."""
    return sorted(ScriptDirectory(directory).get_heads())
