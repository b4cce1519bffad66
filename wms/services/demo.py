"""The demo data set: deterministic, so that tests and the README can rely on it.

Store 1 with warehouse 1 (`Bodega1`), four racks of 3 blocks x 4 levels x 2 sides (96 locations),
the spec's catalog examples plus generated products, and placements spread over the racks.
"""
from datetime import datetime

import sqlalchemy as sa

from wms.errors import ApiError
from wms.extensions import db
from wms.models import (Image, Placement, Product, Store, Variation, Warehouse,
                        WarehouseLocation)
from wms.models.warehouse import location_code
from wms.services import unit_of_work
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
GENERATED_PRODUCTS = 40
GENERATED_SIZES = ("CH", "MED", "GDE")
RACKS, BLOCKS, LEVELS, SIDES = 4, 3, 4, 2

# The spec's placements: sku -> location code.
SPEC_PLACEMENTS = {"1921176": "R1-A1-N1", "1940121": "R1-A1-N1", "1861705": "R4-A2-N4"}


def _catalog():
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
        products.append(Product(id=product_id, name=f"Producto demo {n:02d}",
                                created_at=CATALOG_CREATED, updated_at=CATALOG_CREATED))
        for order in (1, 2):
            images.append(Image(id=30000 + n * 10 + order, product_id=product_id,
                                file=f"demo-{n:02d}-{order}.jpg", order=order, color_id=0,
                                created_at=CATALOG_CREATED, updated_at=CATALOG_CREATED))
        for i, size in enumerate(GENERATED_SIZES):
            variations.append(Variation(id=40000 + n * 10 + i, product_id=product_id, name=size,
                                        sku=str(2000000 + n * 10 + i),
                                        created_at=CATALOG_CREATED, updated_at=CATALOG_CREATED))
    return products, images, variations


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
    by_code = {location.mapped_string: location for location in locations}
    by_sku = {variation.sku: variation for variation in variations}
    pairs = [(by_sku[sku], by_code[code]) for sku, code in SPEC_PLACEMENTS.items()]
    # Every other generated variation, spread over the racks with a fixed stride.
    generated = [v for v in variations if v.sku not in SPEC_PLACEMENTS]
    for i, variation in enumerate(generated[::2]):
        pairs.append((variation, locations[(i * 7 + 3) % len(locations)]))
    return [Placement(variation_id=v.id, warehouselocation_id=loc.id, created_at=PLACED,
                      updated_at=PLACED) for v, loc in pairs]


def load_demo():
    """Write the demo data into an empty database, in one transaction; returns its counts."""
    with unit_of_work() as session:
        refuse_unless_empty()
        session.add(Store(id=1, name="CENTRO DE DISTRIBUCION", number="10060",
                          created_at=STORE_CREATED, updated_at=STORE_CREATED))
        session.add(Warehouse(id=1, name="Bodega1", store_id=1, created_at=None,
                              updated_at=None))
        products, images, variations = _catalog()
        locations = _locations()
        session.add_all(products)
        session.flush()
        session.add_all(images + variations + locations)
        session.flush()
        placements = _placements(locations, variations)
        session.add_all(placements)
        sync_id_sequences(Store, Warehouse, Product, Image, Variation)
    return {"stores": 1, "warehouses": 1, "locations": len(locations),
            "products": len(products), "variations": len(variations),
            "placements": len(placements)}


def refuse_unless_empty():
    """Demo data goes into an empty database only (a 409 otherwise)."""
    if database_has_warehouses():
        raise ApiError("La base de datos ya tiene bodegas: no se cargan los datos demo.", 409)


def database_has_warehouses():
    return bool(db.session.scalar(sa.select(sa.func.count(Warehouse.id))))
