"""Blueprints: warehouses, locations and inventory under /api/v1 (behind the bearer guard),
/oauth and /.well-known."""


def register_blueprints(app):
    from wms.api import account, inventory, locations, oauth, warehouses, wellknown
    from wms.api import auth

    app.register_blueprint(warehouses.bp, url_prefix="/api/v1/warehouses")
    app.register_blueprint(locations.bp, url_prefix="/api/v1/warehouselocations")
    app.register_blueprint(inventory.bp, url_prefix="/api/v1/locationvariation")
    app.register_blueprint(oauth.bp, url_prefix="/oauth")
    app.register_blueprint(account.bp, url_prefix="/oauth")
    from wms.api import clients
    app.register_blueprint(clients.bp, url_prefix="/oauth")
    from wms.api import personal_tokens
    app.register_blueprint(personal_tokens.bp, url_prefix="/oauth")
    from wms.api import user_tokens
    app.register_blueprint(user_tokens.v1, url_prefix="/api/1.0/users")
    app.register_blueprint(user_tokens.v2, url_prefix="/api/v2")
    from wms.api import authorize
    app.register_blueprint(authorize.bp, url_prefix="/oauth")
    app.register_blueprint(wellknown.bp, url_prefix="/.well-known")
    app.register_blueprint(auth.bp)  # /login, /logout
    from wms.api import users
    app.register_blueprint(users.v1, url_prefix="/api/v1/user")
    app.register_blueprint(users.v1_any, url_prefix="/api/v1/user")
    from wms.api import roles
    app.register_blueprint(roles.bp, url_prefix="/api/v1/roles")
    app.register_blueprint(users.bp)  # /api/login, /api/users, /users/search
