"""wms: the warehouse-locations API. create_app() is the table of contents."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, engine_options
from wms.security import configure_secret_key


def create_app(config_class=Config):
    app = Flask(__name__)
    app.config.from_object(config_class)
    configure_secret_key(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        app.config["DATABASE_CONNECT_TIMEOUT"])
    app.json.sort_keys = False
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False  # a JSON 404, not an HTML redirect
    if app.config["PROXY_FIX_X_FOR"] > 0:
        # The client's address from the X-Forwarded-For its proxies set (rate limits count by it).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=0)

    from wms.http import REQUEST_ID_HEADER, init_http
    init_http(app)  # request id, one log line per request, security headers

    from wms.extensions import cors, db, migrate
    from wms.ratelimit import RATE_LIMIT_HEADERS, init_rate_limits
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    cors.init_app(app, resources={r"/*": {"origins": app.config["CORS_ORIGINS"]}},
                  expose_headers=RATE_LIMIT_HEADERS + [REQUEST_ID_HEADER])

    from wms import models  # noqa: F401  (registers the tables)
    from wms.errors import register_error_handlers
    from wms.params import refuse_credentials_in_query
    from wms.oauth import init_oauth
    from wms.api import register_blueprints
    from wms.cli import register_commands

    register_error_handlers(app)
    app.before_request(refuse_credentials_in_query)
    init_oauth(app)
    register_blueprints(app)
    init_rate_limits(app)
    register_commands(app)
    return app
