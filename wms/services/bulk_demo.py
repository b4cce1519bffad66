"""A large demo store, written with bulk statements: `flask --app wsgi wms demo --scale large`.

Every row is computed by the database from a run of numbers (`generate_series` on PostgreSQL,
the sequence tables on MariaDB, a recursive CTE on SQLite) in `INSERT ... SELECT` statements,
all in one transaction; nothing goes through Python row by row. The layout is deterministic,
so that a benchmark can name its rows:

- stores 1-3; warehouses 1-10 (warehouse 1 `Bodega1`, which the legacy clients hard-code, holds
  a tenth of the locations and so of the placements; warehouse 10 is new and empty);
- locations numbered warehouse after warehouse, 200 to a rack (20 blocks x 5 levels x 2 sides),
  coded `R{rack}-{A|B}{block}-N{level}`;
- products of four variations each (sizes CH, MED, GDE, XGD) with three images each; variation
  `v` has id `v` and sku `SKU_BASE + v`;
- placement `j` (0-based) puts variation `j mod V + 1` in location `j * L // P + 1`: about P/L
  variations side by side in each location, each variation in about P/V locations spread over
  the warehouses. Its id is `j * 7919 mod P + 1` (another prime if 7919 divides P), so that,
  as in a store that has run for a while, a warehouse's placements are scattered over the
  whole id range;
- one `locate` movement per placement, so that the ledger replays to exactly the placements.
"""
import math
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

from wms.errors import ApiError
from wms.extensions import db
from wms.models import (Image, Movement, Placement, PlacementCount, Product, Store, Variation,
                        Warehouse, WarehouseLocation)
from wms.services import unit_of_work
from wms.services.inventory import place_selected
from wms.services.demo import refuse_unless_empty
from wms.services.sequences import sync_id_sequences

LARGE = {"locations": 100_000, "variations": 200_000, "placements": 1_000_000}

STORES = [(1, "CENTRO DE DISTRIBUCION", "10060"), (2, "TIENDA NORTE", "10061"),
          (3, "TIENDA SUR", "10062")]
# (id, name, store, share of the locations): shares add up to 1; the last warehouse is empty.
WAREHOUSES = [
    (1, "Bodega1", 1, 0.10), (2, "Bodega central", 1, 0.30), (3, "Bodega de temporada", 1, 0.20),
    (4, "Norte principal", 2, 0.15), (5, "Norte trastienda", 2, 0.10),
    (6, "Sur principal", 3, 0.08), (7, "Sur trastienda", 3, 0.04), (8, "Sur exhibicion", 3, 0.02),
    (9, "Sur devoluciones", 3, 0.01), (10, "Bodega nueva", 3, 0.0),
]
BLOCKS, LEVELS, SIDES = 20, 5, 2
RACK_SIZE = BLOCKS * LEVELS * SIDES
SIZES = ("CH", "MED", "GDE", "XGD")
IMAGES_PER_PRODUCT = 3
SKU_BASE = 3_000_000
CREATED = datetime(2019, 9, 2, 22, 14, 56)
PLACED = datetime(2019, 9, 3, 9, 0, 0)
SQLITE_CACHE_KIB = 512 * 1024


def warehouse_sizes(locations):
    """Locations per warehouse id: each its share, rounded down; what rounding left goes to the
    largest."""
    sizes = {wid: math.floor(locations * share) for wid, _n, _s, share in WAREHOUSES}
    largest = max(WAREHOUSES, key=lambda w: w[3])[0]
    sizes[largest] += locations - sum(sizes.values())
    return sizes


def check_counts(locations, placements, variations):
    """ApiError unless such a store can be built: each location's placements must be of
    different variations."""
    if locations < 1 or variations < 1 or placements < 0:
        raise ApiError("Locations and variations must be at least 1, placements at least 0.", 400)
    if math.ceil(placements / locations) > variations:
        raise ApiError(f"{placements} placements over {locations} locations put up to "
                       f"{math.ceil(placements / locations)} in one location: give at least "
                       "as many variations.", 400)


def default_variations(locations, placements):
    """Two variations per location, as in the large store; more when a location needs them."""
    return max(2 * locations, math.ceil(placements / locations))


def _stride(count):
    """A prime that does not divide `count`: `j * stride mod count` then numbers 0 .. count - 1
    in a scattered order."""
    return next(p for p in (7919, 7907, 7901) if count % p)


def _numbers(count):
    """A selectable of one column `i`, 0 .. count - 1 (64-bit: products of two counts exceed
    32 bits): PostgreSQL's generate_series, MariaDB's sequence tables, a recursive CTE on
    SQLite."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        series = sa.func.generate_series(0, count - 1).table_valued("i").render_derived()
        return sa.select(sa.cast(series.c.i, sa.BigInteger).label("i")).subquery()
    if dialect in ("mysql", "mariadb"):
        seq = sa.table(f"seq_0_to_{count - 1}", sa.column("seq", sa.BigInteger))
        return sa.select(seq.c.seq.label("i")).subquery()
    seed = sa.select(sa.cast(sa.literal(0), sa.BigInteger).label("i")).cte("n", recursive=True)
    return seed.union_all(sa.select(seed.c.i + 1).where(seed.c.i < count - 1))


def _text(value):
    return sa.cast(value, sa.String)


def _insert(model, columns, select):
    db.session.execute(sa.insert(model).from_select(columns, select))


def _locations(sizes):
    first_id = 1
    for warehouse_id, count in sizes.items():
        if not count:
            continue
        i = _numbers(count).c.i
        rack, block = i // RACK_SIZE + 1, (i % RACK_SIZE) // (LEVELS * SIDES) + 1
        level, side = (i % (LEVELS * SIDES)) // SIDES + 1, i % SIDES + 1
        letter = sa.case((side == 1, "A"), else_="B")
        code = ("R" + _text(rack) + "-" + letter + _text(block) + "-N" + _text(level))
        _insert(WarehouseLocation,
                ["id", "warehouse_id", "rack", "block", "level", "side", "mapped_string",
                 "active", "created_at", "updated_at"],
                sa.select(i + first_id, sa.literal(warehouse_id), rack, block, level, side,
                          sa.type_coerce(code, sa.String), sa.true(), sa.literal(CREATED),
                          sa.literal(CREATED)))
        first_id += count


def _catalog(variations):
    products = math.ceil(variations / len(SIZES))
    i = _numbers(products).c.i
    _insert(Product, ["id", "name", "created_at", "updated_at"],
            sa.select(i + 1, "Producto " + _text(i + 1), sa.literal(CREATED),
                      sa.literal(CREATED)))
    i = _numbers(products * IMAGES_PER_PRODUCT).c.i
    product_id, order = i // IMAGES_PER_PRODUCT + 1, i % IMAGES_PER_PRODUCT + 1
    _insert(Image, ["id", "product_id", "file", "order", "color_id", "created_at", "updated_at"],
            sa.select(i + 1, product_id, "p" + _text(product_id) + "-" + _text(order) + ".jpg",
                      order, sa.literal(0), sa.literal(CREATED), sa.literal(CREATED)))
    i = _numbers(variations).c.i
    size = sa.case(*((i % len(SIZES) == n, name) for n, name in enumerate(SIZES)))
    _insert(Variation, ["id", "product_id", "sku", "name", "created_at", "updated_at"],
            sa.select(i + 1, i // len(SIZES) + 1, _text(i + 1 + SKU_BASE), size,
                      sa.literal(CREATED), sa.literal(CREATED)))
    return products


def _placements(locations, placements, variations):
    if not placements:
        return
    j = _numbers(placements).c.i
    placement_id = (j * _stride(placements)) % placements + 1
    # Through the inventory service, which writes the ledger: each placement was located once,
    # where it is.
    place_selected(sa.select(placement_id, j * locations // placements + 1, j % variations + 1,
                             sa.literal(PLACED), sa.literal(PLACED)),
                   ["id", "warehouselocation_id", "variation_id", "created_at", "updated_at"],
                   kind="locate")


def settle(models):
    """The written tables as a store that has run for a while has them: fresh statistics
    (SQLite's planner reads them when present) and, on PostgreSQL, vacuumed, so that a
    warehouse's placements are counted and paged from the index alone (an index-only scan
    needs the visibility map that autovacuum would write within minutes)."""
    tables = ", ".join(model.__table__.name for model in models)
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    elif dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"VACUUM (ANALYZE) {tables}"))


@contextmanager
def _sqlite_cache():
    """SQLite: a page cache that holds the indexes being filled (the default 2 MB makes the
    random inserts of the secondary indexes go to disk), for this build only."""
    if db.session.get_bind().dialect.name != "sqlite":
        yield
        return
    previous = db.session.execute(sa.text("PRAGMA cache_size")).scalar()
    db.session.execute(sa.text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    try:
        yield
    finally:
        db.session.execute(sa.text(f"PRAGMA cache_size = {int(previous)}"))


WRITTEN = (Store, Warehouse, WarehouseLocation, Product, Image, Variation, Placement, Movement)


def build_store(*, locations, placements, variations=None):
    """Write a store of that size into an empty database, in one transaction; its counts."""
    variations = variations or default_variations(locations, placements)
    check_counts(locations, placements, variations)
    sizes = warehouse_sizes(locations)
    with unit_of_work() as session, _sqlite_cache():
        refuse_unless_empty()
        session.execute(sa.insert(Store), [
            {"id": sid, "name": name, "number": number, "created_at": CREATED,
             "updated_at": CREATED} for sid, name, number in STORES])
        session.execute(sa.insert(Warehouse), [
            {"id": wid, "name": name, "store_id": store, "created_at": CREATED,
             "updated_at": CREATED} for wid, name, store, _share in WAREHOUSES])
        _locations(sizes)
        products = _catalog(variations)
        _placements(locations, placements, variations)
        sync_id_sequences(*WRITTEN)
    settle(WRITTEN + (PlacementCount,))
    return {"stores": len(STORES), "warehouses": len(WAREHOUSES), "locations": locations,
            "products": products, "images": products * IMAGES_PER_PRODUCT,
            "variations": variations, "placements": placements, "movements": placements}
