"""Every table, one module per domain. Importing this package registers them all."""
from wms.models.accounts import Role, User, UserRole
from wms.models.catalog import Category, Color, Image, Product, Variation
from wms.models.inventory import IdempotencyKey, Movement, Placement, PlacementCount
from wms.models.oauth import AccessToken, AuthCode, OAuthClient, RefreshToken
from wms.models.warehouse import Store, Warehouse, WarehouseLocation

__all__ = [
    "AccessToken", "AuthCode", "Category", "Color", "IdempotencyKey", "Image", "Movement",
    "OAuthClient", "Placement", "PlacementCount", "Product", "RefreshToken", "Role", "Store",
    "User", "UserRole", "Variation", "Warehouse", "WarehouseLocation",
]
