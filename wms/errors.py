"""ApiError and the handlers that turn every error into JSON with a `message`."""
import logging

from flask import current_app
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from wms.db_errors import describe, is_outage
from wms.extensions import db
from wms.http import request_id
from wms.ratelimit import TOO_MANY_ATTEMPTS, throttle_headers

INVALID_PARAMS = "Parametros no validos."
INTERNAL_ERROR = "Error interno del servidor."
DATABASE_UNAVAILABLE = "Servicio no disponible: la base de datos no responde."
# Seconds a client is told to wait when the database is down: about a server restart.
DATABASE_RETRY_AFTER = 5

log = logging.getLogger("wms.database")


class ApiError(Exception):
    """An error a client can act on: its message goes out as JSON with its status."""

    def __init__(self, message, status_code=400, errors=None, headers=None, body=None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.errors = errors
        self.headers = headers
        self.body = body  # another shape for a client that reads errors differently

    def to_dict(self):
        if self.body is not None:
            return self.body
        body = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class Conflict(ApiError):
    """The request no longer fits the data: someone moved, removed or undid first, or the
    location is out of service. `current` is the state now, for the caller to show."""

    def __init__(self, message, status_code=409, current=None):
        super().__init__(message, status_code)
        self.current = current

    def to_dict(self):
        body = super().to_dict()
        if self.current is not None:
            body["current"] = self.current
        return body


def register_error_handlers(app):
    @app.errorhandler(ApiError)
    def api_error(e):
        return e.to_dict(), e.status_code, e.headers or {}

    @app.errorhandler(IntegrityError)
    def integrity_error(e):
        db.session.rollback()
        return {"message": "El recurso entra en conflicto con otro existente."}, 409

    @app.errorhandler(DataError)
    def data_error(e):
        # A value the database refuses (out of range, bad bytes) is the caller's input.
        db.session.rollback()
        return {"message": INVALID_PARAMS}, 400

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(e):
        # Laravel's throttle answer, not Flask-Limiter's (its text would be "60 per 1 minute").
        return {"message": TOO_MANY_ATTEMPTS}, 429, throttle_headers(e)

    @app.errorhandler(HTTPException)
    def http_error(e):
        return {"message": e.description}, e.code, _allow_header(e)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_error(e):
        if not is_outage(e):
            return unexpected_error(e)
        return database_unavailable(e)

    @app.errorhandler(Exception)
    def unexpected_error(e):
        db.session.rollback()
        current_app.logger.exception("unhandled error")
        return {"message": INTERNAL_ERROR}, 500


def database_unavailable(error, **body):
    """503 with Retry-After for a database that refused or lost the connection, logged as one
    line (no traceback: an outage is no bug, and a restart would log one per request)."""
    db.session.rollback()  # the pool drops a lost connection; the next request reconnects
    log.warning("request_id=%s database unavailable: %s", request_id(), describe(error))
    return unavailable(DATABASE_UNAVAILABLE, **body)


def unavailable(message, **body):
    """503 `{"message": ..., **body}` with Retry-After."""
    return {"message": message, **body}, 503, {"Retry-After": str(DATABASE_RETRY_AFTER)}


def _allow_header(e):
    response = e.get_response()
    allow = response.headers.get("Allow")
    return {"Allow": allow} if allow else {}
