"""A legacy Laravel database as the 2019 service left it (spec/06 section 6.15, with Laravel's
users and spatie's roles tables), with a few thousand rows and the legacy bugs of spec/06
section 7: locations of a deleted warehouse (orphaned), a warehouse of a store that does not
exist, zero-padded and lower-case codes, two locations of one code, duplicate placements,
placements of unknown SKUs and locations, a SKU given twice, a padded SKU, a style code given
twice, a colour that does not exist, users with Laravel's `$2y$` bcrypt hashes.

`build_legacy(url)` writes it into an empty database (SQLite or MariaDB) and returns what the
import should make of it."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import bcrypt
import sqlalchemy as sa

from wms.models.warehouse import location_code

CREATED = datetime(2019, 9, 2, 22, 14, 56)
BLOCKS, LEVELS, SIDES = 10, 5, 2
RACK_SIZE = BLOCKS * LEVELS * SIDES
# warehouse id -> (store id, name, racks); warehouse 4 was deleted (its locations are
# orphaned), warehouse 5 names a store that does not exist (warehouses/store never checked).
WAREHOUSES = {1: (30, "Bodega1", 5), 2: (30, "Bodega central", 3), 3: (31, "Norte", 2),
              4: (None, None, 1), 5: (99, "Bodega perdida", 1)}
PADDED_RACK = 5            # warehouse 1's rack 5 was zero-padded by `updatelocations`
PRODUCTS, SIZES = 300, ("CH", "MED", "GDE", "XGD")
VARIATIONS = PRODUCTS * len(SIZES)
SKU_BASE = 7_000_000
PLACEMENTS = 3000
PASSWORD = "secreto 2019"

metadata = sa.MetaData()
_text = sa.String(191)


def _table(name, *columns, stamps=True):
    more = [sa.Column("created_at", sa.DateTime), sa.Column("updated_at", sa.DateTime)]
    return sa.Table(name, metadata, *columns, *(more if stamps else []))


def _id():
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)


stores = _table("stores", _id(), sa.Column("name", _text), sa.Column("number", _text))
warehouses = _table("warehouses", _id(), sa.Column("name", _text),
                    sa.Column("store_id", sa.Integer))
racks = _table("racks", _id(), sa.Column("name", _text), sa.Column("warehouse_id", sa.Integer))
locations = _table("warehouse_locations", _id(), sa.Column("warehouse_id", sa.Integer),
                   sa.Column("rack_id", sa.Integer), sa.Column("rack", sa.Integer),
                   sa.Column("block", sa.Integer), sa.Column("level", sa.Integer),
                   sa.Column("side", sa.Integer), sa.Column("mapped_string", _text),
                   sa.Column("active", sa.Boolean, server_default=sa.true()))
colors = _table("colors", _id(), sa.Column("name", _text))
categories = _table("categories", _id(), sa.Column("name", _text),
                    sa.Column("depends_id", sa.Integer), sa.Column("active", sa.Boolean))
products = _table("products", _id(), sa.Column("name", _text),
                  sa.Column("internal_reference", _text), sa.Column("provider", _text),
                  sa.Column("colors_es", _text), sa.Column("family", _text),
                  sa.Column("parent_name", _text),
                  sa.Column("activation_disabled", sa.Boolean),
                  sa.Column("price_status", sa.Integer))
category_product = _table("category_product", sa.Column("category_id", sa.Integer),
                          sa.Column("product_id", sa.Integer), stamps=False)
images = _table("images", _id(), sa.Column("product_id", sa.Integer),
                sa.Column("file", _text), sa.Column("order", sa.Integer))
variations = _table("variations", _id(), sa.Column("product_id", sa.Integer),
                    sa.Column("sku", _text), sa.Column("name", _text),
                    sa.Column("stock", sa.Integer), sa.Column("price", sa.Numeric(10, 2)),
                    sa.Column("color_id", sa.Integer))
placements = _table("location_variations", _id(), sa.Column("warehouselocation_id", sa.Integer),
                    sa.Column("variation_id", sa.Integer), sa.Column("product_id", sa.Integer),
                    sa.Column("user_id", sa.Integer))
users = _table("users", _id(), sa.Column("name", _text), sa.Column("email", _text),
               sa.Column("email_verified_at", sa.DateTime), sa.Column("password", _text),
               sa.Column("address", _text), sa.Column("remember_token", sa.String(100)))
roles = _table("roles", _id(), sa.Column("name", _text), sa.Column("guard_name", _text))
model_has_roles = _table("model_has_roles", sa.Column("role_id", sa.Integer),
                         sa.Column("model_type", _text), sa.Column("model_id", sa.Integer),
                         stamps=False)


@dataclass
class Legacy:
    """What the import should make of the database: counts per table (copied, and skipped by
    reason), and the rows tests look at."""

    copied: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    aliases: dict = field(default_factory=dict)    # duplicate-code location -> kept one
    codes: dict = field(default_factory=dict)      # location id -> code wms stores
    placements: dict = field(default_factory=dict)  # placement id -> (variation, location)
    users: dict = field(default_factory=dict)       # email -> (id, roles)

    def skip(self, table, reason, n=1):
        reasons = self.skipped.setdefault(table, {})
        reasons[reason] = reasons.get(reason, 0) + n


def laravel_hash(password):
    """What Laravel's Hash::make writes (cost 4 here, to keep the tests quick; Laravel's is
    10): bcrypt, of the password's first 72 bytes as PHP's, with PHP's `$2y$` prefix."""
    hashed = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(4)).decode()
    return "$2y$" + hashed[4:]


def _stamp(i=0):
    moment = CREATED + timedelta(minutes=i)
    return {"created_at": moment, "updated_at": moment}


def _locations(legacy):
    rows, rack_rows, location_id = [], [], 0
    for warehouse_id, (_store, _name, count) in WAREHOUSES.items():
        for rack in range(1, count + 1):
            rack_rows.append({"id": len(rack_rows) + 1, "name": str(rack),
                              "warehouse_id": warehouse_id, **_stamp()})
            for i in range(RACK_SIZE):
                block, level, side = i // (LEVELS * SIDES) + 1, i // SIDES % LEVELS + 1, i % 2 + 1
                code = location_code(rack, block, level, side)
                location_id += 1
                stored = code
                if warehouse_id == 1 and rack == PADDED_RACK:
                    stored = "R%02d-%s%02d-N%02d" % (rack, "AB"[side - 1], block, level)
                rows.append({"id": location_id, "warehouse_id": warehouse_id,
                             "rack_id": len(rack_rows), "rack": rack, "block": block,
                             "level": level, "side": side, "mapped_string": stored,
                             "active": i % 50 != 7, **_stamp()})
                if warehouse_id in (1, 2, 3):
                    legacy.codes[location_id] = code
    legacy.copied["warehouse_locations"] = len(legacy.codes)
    legacy.skip("warehouse_locations", "orphaned_location", RACK_SIZE)
    legacy.skip("warehouse_locations", "warehouse_skipped", RACK_SIZE)
    # The same labels again, typed differently: they name locations 1-3 of warehouse 1.
    for typed, kept in (("R01-A01-N01", 1), (" r1-b1-n1 ", 2), ("R001-A001-N002", 3)):
        location_id += 1
        rows.append({**rows[kept - 1], "id": location_id, "mapped_string": typed})
        legacy.aliases[location_id] = kept
    legacy.skip("warehouse_locations", "duplicate_code", len(legacy.aliases))
    return rows, rack_rows


def _catalog(legacy):
    product_rows = [{"id": p, "name": f"Blusa {p}", "internal_reference": f"ST{p:05d}",
                     "provider": "Proveedor", "colors_es": "Rojo", "family": "Blusas",
                     "parent_name": "Damas", "activation_disabled": p % 10 == 0,
                     "price_status": 1, **_stamp(p)} for p in range(1, PRODUCTS + 1)]
    product_rows[-1]["internal_reference"] = "ST00001"   # product 1's style code again
    variation_rows = []
    for v in range(1, VARIATIONS + 1):
        variation_rows.append({"id": v, "product_id": (v - 1) // len(SIZES) + 1,
                               "sku": str(SKU_BASE + v), "name": SIZES[(v - 1) % len(SIZES)],
                               "stock": v % 7, "price": Decimal("399.00"),
                               "color_id": 9 if v % 100 == 0 else v % 5 + 1, **_stamp()})
    variation_rows[4]["sku"] = f" {SKU_BASE + 5} "                 # padded: trimmed
    variation_rows[-1]["sku"] = variation_rows[0]["sku"]             # variation 1's SKU
    variation_rows.append({**variation_rows[1], "id": VARIATIONS + 1, "sku": "9999999",
                           "product_id": 999})                       # unknown product
    legacy.copied.update(products=PRODUCTS, variations=VARIATIONS - 1)
    legacy.skip("variations", "duplicate_sku")
    legacy.skip("variations", "unknown_product")
    links = [{"category_id": 3 if p % 2 else 4, "product_id": p} for p in range(1, 291)]
    links.append({"category_id": 3, "product_id": 999})
    legacy.copied["category_product"] = 290
    legacy.skip("category_product", "unknown_product")
    image_rows = [{"id": i, "product_id": (i + 1) // 2, "file": f"p{(i + 1) // 2}-{i % 2}.jpg",
                   "order": i % 2 + 1, **_stamp()} for i in range(1, 2 * PRODUCTS + 1)]
    legacy.copied["images"] = len(image_rows)
    return product_rows, variation_rows, links, image_rows


def _users(legacy):
    people = [(1, "Admin", "admin@tienda.example", [1]),
              (2, "Picker", "picker@tienda.example", [2]),
              (3, "Supervisora", "super@tienda.example", [3]),
              (4, "Sin rol", "nobody@tienda.example", []),
              (5, "Picker otra vez", "PICKER@tienda.example", [2])]
    hashed = laravel_hash(PASSWORD)
    user_rows = [{"id": i, "name": name, "email": email, "password": hashed,
                  "address": "Calle 1", **_stamp(i)} for i, name, email, _r in people]
    links = [{"role_id": r, "model_type": "App\\User", "model_id": i}
             for i, _n, _e, held in people for r in held]
    links += [{"role_id": 9, "model_type": "App\\User", "model_id": 2},
              {"role_id": 2, "model_type": "App\\Team", "model_id": 7}]
    names = {1: "admin", 2: "user", 3: "Supervisor"}
    legacy.users = {email: (i, [names[r] for r in held] or ["user"])
                    for i, _n, email, held in people[:4]}
    legacy.copied["users"] = 4
    legacy.skip("users", "duplicate_email")
    legacy.skip("model_has_roles", "unknown_role")
    legacy.skip("model_has_roles", "not_a_user")
    role_rows = [{"id": i, "name": name, "guard_name": "api", **_stamp()}
                 for i, name in names.items()]
    return user_rows, links, role_rows


def _placements(legacy):
    rows = []
    for j in range(PLACEMENTS):
        placement_id = j + 1 + (j // 100) * 3          # ids with gaps, as deletions leave
        variation, location = (j * 7) % (VARIATIONS - 1) + 1, j % 1000 + 1
        rows.append({"id": placement_id, "warehouselocation_id": location,
                     "variation_id": variation, "product_id": 0,
                     "user_id": 77 if j == 5 else (2 if j % 3 == 0 else None), **_stamp()})
        legacy.placements[placement_id] = (variation, location)
    _placement_bugs(legacy, rows)
    legacy.copied["location_variations"] = len(legacy.placements)
    return rows


def _placement_bugs(legacy, rows):
    next_id = 20_000

    def bug(location, variation, reason):
        nonlocal next_id
        next_id += 1
        rows.append({"id": next_id, "warehouselocation_id": location, "variation_id": variation,
                     "product_id": 0, "user_id": None, **_stamp()})
        if reason is None:
            legacy.placements[next_id] = (variation, legacy.aliases.get(location, location))
        else:
            legacy.skip("location_variations", reason)

    for j in range(20):                                  # the same pair again
        bug(rows[j]["warehouselocation_id"], rows[j]["variation_id"], "duplicate_placement")
    for k in range(15):
        bug(k + 1, 99_000 + k, "unknown_variation")
    for k in range(10):
        bug(1001 + k, k + 1, "location_skipped")         # warehouse 4 was deleted
    for k in range(5):
        bug(1101 + k, k + 1, "location_skipped")         # warehouse 5's store is unknown
    for k in range(5):
        bug(50_000 + k, k + 1, "unknown_location")
    for k in range(2):
        bug(k + 1, VARIATIONS, "variation_skipped")      # the second copy of a SKU
    first_alias = min(legacy.aliases)
    bug(first_alias, rows[0]["variation_id"], "duplicate_placement")   # already in location 1
    for k, alias in enumerate(sorted(legacy.aliases)):
        bug(alias, 1100 + k, None)                       # goes to the location kept


def build_legacy(url):
    """Write the legacy database into the empty database at `url`; what the import should
    make of it."""
    legacy = Legacy()
    location_rows, rack_rows = _locations(legacy)
    product_rows, variation_rows, links, image_rows = _catalog(legacy)
    user_rows, role_links, role_rows = _users(legacy)
    placement_rows = _placements(legacy)
    store_rows = [{"id": 30, "name": "Tienda centro", "number": "0030", **_stamp()},
                  {"id": 31, "name": "Tienda norte", "number": "0031", **_stamp()}]
    warehouse_rows = [{"id": w, "name": name, "store_id": store, **_stamp()}
                      for w, (store, name, _r) in WAREHOUSES.items() if name]
    legacy.copied.update(stores=2, warehouses=3, colors=5, categories=4, roles=3)
    legacy.skip("warehouses", "unknown_store")
    engine = sa.create_engine(url)
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            for table, table_rows in (
                    (stores, store_rows), (warehouses, warehouse_rows), (racks, rack_rows),
                    (locations, location_rows),
                    (colors, [{"id": c, "name": f"Color {c}", **_stamp()} for c in range(1, 6)]),
                    (categories, [{"id": 1, "name": "Damas", "depends_id": 0, "active": 1},
                                  {"id": 2, "name": "Caballeros", "depends_id": 0, "active": 1},
                                  {"id": 3, "name": "Blusas", "depends_id": 1, "active": 1},
                                  {"id": 4, "name": "Camisas", "depends_id": 2, "active": 1}]),
                    (products, product_rows), (category_product, links), (images, image_rows),
                    (variations, variation_rows), (placements, placement_rows),
                    (users, user_rows), (roles, role_rows), (model_has_roles, role_links)):
                conn.execute(table.insert(), table_rows)
    finally:
        engine.dispose()
    return legacy
