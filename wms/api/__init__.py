"""Blueprints: warehouses, locations and inventory under /api/v1 (behind the bearer guard), and
/oauth."""


def register_blueprints(app):
    from wms.api import inventory, locations, oauth, warehouses

    app.register_blueprint(warehouses.bp, url_prefix="/api/v1/warehouses")
    app.register_blueprint(locations.bp, url_prefix="/api/v1/warehouselocations")
    app.register_blueprint(inventory.bp, url_prefix="/api/v1/locationvariation")
    app.register_blueprint(oauth.bp, url_prefix="/oauth")
