"""wms: the warehouse-locations API. create_app() is the table of contents."""
import os

from flask import Flask

from config import Config, engine_options


def create_app(config_class=Config):
    app = Flask(__name__)
    app.config.from_object(config_class)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    app.json.sort_keys = False
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False  # a JSON 404, not an HTML redirect

    from wms.extensions import cors, db, migrate
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    cors.init_app(app, resources={r"/*": {"origins": app.config["CORS_ORIGINS"]}})

    from wms import models  # noqa: F401  (registers the tables)
    from wms.errors import register_error_handlers
    from wms.oauth import init_oauth
    from wms.api import register_blueprints
    from wms.cli import register_commands

    register_error_handlers(app)
    init_oauth(app)
    register_blueprints(app)
    register_commands(app)
    return app
