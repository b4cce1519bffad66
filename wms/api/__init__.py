"""Blueprints: the warehouse API under /api/v1 (behind the bearer guard), users and personal
tokens, /oauth, /.well-known, the sign-in pages, the health checks and the OpenAPI document."""


def register_blueprints(app):
    from wms.api import (account, auth, authorize, catalog, clients, docs, health, inventory,
                         locations, oauth, personal_tokens, roles, summary, user_tokens, users,
                         warehouses, wellknown)
    from wms.api.profiles import init_profile

    init_profile(app)
    app.register_blueprint(warehouses.bp, url_prefix="/api/v1/warehouses")
    app.register_blueprint(locations.bp, url_prefix="/api/v1/warehouselocations")
    app.register_blueprint(inventory.bp, url_prefix="/api/v1/locationvariation")
    app.register_blueprint(summary.bp, url_prefix="/api/v1/locationvariation")
    app.register_blueprint(catalog.stores, url_prefix="/api/v1/stores")
    app.register_blueprint(catalog.categories, url_prefix="/api/v1/categories")
    app.register_blueprint(users.v1, url_prefix="/api/v1/user")
    app.register_blueprint(users.v1_any, url_prefix="/api/v1/user")
    app.register_blueprint(roles.bp, url_prefix="/api/v1/roles")
    app.register_blueprint(users.bp)  # /api/login, /api/users, /users/search
    app.register_blueprint(user_tokens.v1, url_prefix="/api/1.0/users")
    app.register_blueprint(user_tokens.v2, url_prefix="/api/v2")
    app.register_blueprint(oauth.bp, url_prefix="/oauth")
    app.register_blueprint(account.bp, url_prefix="/oauth")
    app.register_blueprint(clients.bp, url_prefix="/oauth")
    app.register_blueprint(personal_tokens.bp, url_prefix="/oauth")
    app.register_blueprint(authorize.bp, url_prefix="/oauth")
    app.register_blueprint(wellknown.bp, url_prefix="/.well-known")
    app.register_blueprint(auth.bp)  # /login, /logout
    app.register_blueprint(health.bp)  # /healthz, /readyz
    app.register_blueprint(docs.bp)  # /openapi.json, /docs
    app.register_blueprint(docs.assets)  # /docs/assets: Swagger UI's files
