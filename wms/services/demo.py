"""The demo data set: deterministic, so that tests and the README can rely on it.

Store 1 with warehouse 1 (`Bodega1`), four racks of 3 blocks x 4 levels x 2 sides (96 locations),
the spec's catalog examples plus generated products (with styles, providers, colours, prices,
stock and categories), and placements spread over the racks, written with their ledger rows.
"""
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from wms.errors import ApiError
from wms.extensions import db
from wms.models import (Category, Color, Image, Product, Store, Variation, Warehouse,
                        WarehouseLocation)
from wms.models.warehouse import location_code
from wms.services import Actor, unit_of_work
from wms.services.inventory import place_all
from wms.services.sequences import sync_id_sequences

STORE_CREATED = datetime(2018, 5, 7, 22, 4, 54)
LOCATIONS_CREATED = datetime(2019, 9, 2, 22, 14, 56)
PLACED = datetime(2019, 9, 2, 17, 35, 44)
CATALOG_CREATED = datetime(2018, 4, 23, 22, 0, 0)

# The spec's examples: (product id, name, [(image id, file, created)], [(variation id, name, sku)])
SPEC_PRODUCTS = [
    (3714, "Playera hombros descubiertos", [
        (24667, "325ade57db14d47.jpg", datetime(2018, 4, 23, 22, 2, 4)),
        (24668, "325ade57dc87c65.jpg", datetime(2018, 4, 23, 22, 2, 5)),
        (24669, "325ade57deb62d4.jpg", datetime(2018, 4, 23, 22, 2, 7)),
        (24670, "325ade57e005765.jpg", datetime(2018, 4, 23, 22, 2, 8)),
        (24671, "325ade57e16561d.jpg", datetime(2018, 4, 23, 22, 2, 10)),
    ], [(15955, "XGD", "1921176")]),
    (5729, "Paquete Boxer Corto", [
        (25489, "325ae0d138af48c.jpg", datetime(2018, 4, 25, 19, 4, 25)),
        (25490, "325ae0d139ed215.jpg", datetime(2018, 4, 25, 19, 4, 26)),
        (25491, "325ae0d13b45cc4.jpg", datetime(2018, 4, 25, 19, 4, 28)),
        (25492, "325ae0d13c7b533.jpg", datetime(2018, 4, 25, 19, 4, 29)),
    ], [(25773, "XGD", "1940121")]),
    (4410, "Pantalon mezclilla recto", [
        (24900, "325adf0a11c2e01.jpg", datetime(2018, 4, 24, 10, 15, 0)),
    ], [(20110, "MED", "1861705")]),
]
# The generated products' classification: departments with their subcategories, colours,
# providers (the 2019 clients show and search them).
DEPARTMENTS = [((1, "Mujer"), [(2, "Blusas"), (3, "Pantalones")]),
               ((4, "Hombre"), [(5, "Playeras"), (6, "Ropa interior")])]
COLORS = [(1, "Negro"), (2, "Azul marino"), (3, "Blanco")]
PROVIDERS = ["Textiles del Norte", "Confecciones Lupita", "Maquila Bajio"]
GENERATED_PRODUCTS = 40
GENERATED_SIZES = ("CH", "MED", "GDE")
RACKS, BLOCKS, LEVELS, SIDES = 4, 3, 4, 2

# The spec's placements: sku -> location code.
SPEC_PLACEMENTS = {"1921176": "R1-A1-N1", "1940121": "R1-A1-N1", "1861705": "R4-A2-N4"}


def _catalog(categories):
    products, images, variations = [], [], []
    for product_id, name, product_images, product_variations in SPEC_PRODUCTS:
        products.append(Product(id=product_id, name=name, created_at=CATALOG_CREATED,
                                updated_at=CATALOG_CREATED))
        for order, (image_id, file, created) in enumerate(product_images, start=1):
            images.append(Image(id=image_id, product_id=product_id, file=file, order=order,
                                color_id=0, created_at=created, updated_at=created))
        for variation_id, vname, sku in product_variations:
            variations.append(Variation(id=variation_id, product_id=product_id, name=vname,
                                        sku=sku, created_at=CATALOG_CREATED,
                                        updated_at=CATALOG_CREATED))
    for n in range(1, GENERATED_PRODUCTS + 1):
        product_id = 9000 + n
        department, subcategories = DEPARTMENTS[n % len(DEPARTMENTS)]
        products.append(Product(
            id=product_id, name=f"Producto demo {n:02d}", internal_reference=f"DEMO-{n:02d}",
            provider=PROVIDERS[n % len(PROVIDERS)], colors_es=COLORS[n % len(COLORS)][1],
            family=department[1], parent_name=f"Linea {n % 5 + 1}",
            activation_disabled=n % 10 == 0,
            categories=[categories[subcategories[n % len(subcategories)][0]]],
            created_at=CATALOG_CREATED, updated_at=CATALOG_CREATED))
        for order in (1, 2):
            images.append(Image(id=30000 + n * 10 + order, product_id=product_id,
                                file=f"demo-{n:02d}-{order}.jpg", order=order, color_id=0,
                                created_at=CATALOG_CREATED, updated_at=CATALOG_CREATED))
        for i, size in enumerate(GENERATED_SIZES):
            variations.append(Variation(
                id=40000 + n * 10 + i, product_id=product_id, name=size,
                sku=str(2000000 + n * 10 + i), stock=(n + i) % 6,
                price=Decimal(199 + 50 * (n % 5)) + Decimal("0.90"),
                color_id=COLORS[n % len(COLORS)][0],
                created_at=CATALOG_CREATED, updated_at=CATALOG_CREATED))
    return products, images, variations


def _classification():
    """The demo's colours and categories (departments and their subcategories), by id."""
    colors = [Color(id=color_id, name=name, created_at=CATALOG_CREATED,
                    updated_at=CATALOG_CREATED) for color_id, name in COLORS]
    categories = {}
    for (department_id, name), subcategories in DEPARTMENTS:
        categories[department_id] = Category(id=department_id, name=name, depends_id=0,
                                             created_at=CATALOG_CREATED,
                                             updated_at=CATALOG_CREATED)
        for category_id, child in subcategories:
            categories[category_id] = Category(id=category_id, name=child,
                                               depends_id=department_id,
                                               created_at=CATALOG_CREATED,
                                               updated_at=CATALOG_CREATED)
    return colors, categories


def _locations():
    return [
        WarehouseLocation(warehouse_id=1, rack=rack, block=block, level=level, side=side,
                          mapped_string=location_code(rack, block, level, side),
                          created_at=LOCATIONS_CREATED, updated_at=LOCATIONS_CREATED)
        for rack in range(1, RACKS + 1)
        for block in range(1, BLOCKS + 1)
        for level in range(1, LEVELS + 1)
        for side in range(1, SIDES + 1)
    ]


def _placements(locations, variations):
    """(variation id, location id) pairs: the spec's, then every other generated variation,
    spread over the racks with a fixed stride."""
    by_code = {location.mapped_string: location for location in locations}
    by_sku = {variation.sku: variation for variation in variations}
    pairs = [(by_sku[sku], by_code[code]) for sku, code in SPEC_PLACEMENTS.items()]
    generated = [v for v in variations if v.sku not in SPEC_PLACEMENTS]
    for i, variation in enumerate(generated[::2]):
        pairs.append((variation, locations[(i * 7 + 3) % len(locations)]))
    return [(v.id, loc.id) for v, loc in pairs]


def load_demo():
    """Write the demo data into an empty database, in one transaction; returns its counts."""
    with unit_of_work() as session:
        refuse_unless_empty()
        session.add(Store(id=1, name="CENTRO DE DISTRIBUCION", number="10060",
                          created_at=STORE_CREATED, updated_at=STORE_CREATED))
        session.add(Warehouse(id=1, name="Bodega1", store_id=1, created_at=None,
                              updated_at=None))
        colors, categories = _classification()
        session.add_all(colors + list(categories.values()))
        session.flush()
        products, images, variations = _catalog(categories)
        locations = _locations()
        session.add_all(products)
        session.flush()
        session.add_all(images + variations + locations)
        session.flush()
        # Through the inventory service, with their ledger rows: the ledger of a fresh
        # database replays to exactly its placements.
        placed = place_all(_placements(locations, variations), actor=Actor(None, None),
                           kind="import", at=PLACED)
        sync_id_sequences(Store, Warehouse, Product, Image, Variation, Color, Category)
    return {"stores": 1, "warehouses": 1, "locations": len(locations),
            "products": len(products), "variations": len(variations),
            "placements": placed}


def refuse_unless_empty():
    """Demo data goes into an empty database only (a 409 otherwise)."""
    if database_has_warehouses():
        raise ApiError("La base de datos ya tiene bodegas: no se cargan los datos demo.", 409)


def database_has_warehouses():
    return bool(db.session.scalar(sa.select(sa.func.count(Warehouse.id))))
