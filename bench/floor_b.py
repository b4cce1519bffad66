"""Floor (b) of the benchmark: the warehouse routes by hand, on the raw driver.

A plain WSGI app that does what wms must do for each route and nothing more: verify the bearer
JWT (RS256 with the same public key, through `cryptography`), look its row up by `jti` with its
client, run the same SQL as wms (the same joins, filters, order and page; the images of a page
in one more statement) through psycopg or sqlite3, and write the same JSON with `json.dumps`.
The bench checks that its answers equal wms's before it measures them: what wms spends beyond
this app is what the framework, the ORM and the schemas cost.

Each answer carries `X-Bench-Statements`, the number of SQL statements it ran.
Environment: FLOOR_DSN (`sqlite:///path` or a PostgreSQL conninfo URI), FLOOR_PUBLIC_KEY (the
path of the PEM public key wms verifies with).
"""
import base64
import json
import math
import os
import re
import sqlite3
import time
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

DSN = os.environ["FLOOR_DSN"]
with open(os.environ["FLOOR_PUBLIC_KEY"], "rb") as key_file:
    PUBLIC_KEY = serialization.load_pem_public_key(key_file.read())
LEEWAY = 5
PER_PAGE, PER_PAGE_MAX = 15, 500
FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[ \t]*[0-9]{1,10}[ \t]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
SQLITE = DSN.startswith("sqlite:")


class HttpError(Exception):
    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status, self.body = status, {"message": message}
        if errors:
            self.body["errors"] = errors


INVALID = "Parametros no validos."


# --- The database: one connection per worker, statements counted per request -----------------

class Database:
    def __init__(self):
        self.connection = None
        self.statements = 0

    def connect(self):
        if SQLITE:
            conn = sqlite3.connect(DSN.split("///", 1)[1], isolation_level=None,
                                   check_same_thread=False)
            for pragma in ("foreign_keys=ON", "busy_timeout=10000", "journal_mode=WAL"):
                conn.execute(f"PRAGMA {pragma}")
        else:
            import psycopg
            conn = psycopg.connect(DSN)
        self.connection = conn

    def begin(self, write=False):
        if self.connection is None:
            self.connect()
        if SQLITE and write:
            # As wms: writers take SQLite's write lock first; reads run without a transaction
            # (the sqlite3 driver opens none for a SELECT).
            self.connection.execute("BEGIN IMMEDIATE")

    def end(self, commit):
        if commit:
            self.connection.commit() if not SQLITE else self.connection.execute("COMMIT")
        elif SQLITE:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
        else:
            self.connection.rollback()

    def _sql(self, sql):
        if SQLITE:
            return sql.replace(" FOR UPDATE", "").replace("%s", "?")
        return sql

    def all(self, sql, params=()):
        self.statements += 1
        cursor = self.connection.execute(self._sql(sql), params)
        return cursor.fetchall()

    def run(self, sql, params=()):
        self.statements += 1
        self.connection.execute(self._sql(sql), params)

    def one(self, sql, params=()):
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def many(self, sql, rows):
        self.statements += 1
        self.connection.cursor().executemany(self._sql(sql), rows)


db = Database()


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def stored_time(value):
    """A timestamp as the database takes it (SQLAlchemy stores text with microseconds on
    SQLite)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if SQLITE else value


def ts(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value[:19]
    return value.strftime(FORMAT)


# --- The bearer token ------------------------------------------------------------------------

def _b64(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_token(environ):
    """The token row's id if the request carries a valid token of ours, else a 401."""
    auth = (environ.get("HTTP_AUTHORIZATION") or "").strip()
    parts = auth.split(None, 1)
    if not auth or (len(parts) == 2 and parts[0].lower() != "bearer"):
        raise HttpError(401, "Unauthenticated.")
    try:
        header_b64, payload_b64, signature_b64 = parts[-1].strip().split(".")
        header = json.loads(_b64(header_b64))
        if header.get("alg") != "RS256":
            raise ValueError("alg")
        PUBLIC_KEY.verify(_b64(signature_b64), f"{header_b64}.{payload_b64}".encode(),
                          padding.PKCS1v15(), hashes.SHA256())
        claims = json.loads(_b64(payload_b64))
    except (ValueError, InvalidSignature, UnicodeError):
        raise HttpError(401, "Unauthenticated.")
    now = time.time()
    jti, exp, aud = claims.get("jti"), claims.get("exp"), claims.get("aud")
    if not isinstance(jti, str) or not isinstance(exp, (int, float)) or aud is None \
            or exp < now - LEEWAY or claims.get("nbf", 0) > now + LEEWAY:
        raise HttpError(401, "Unauthenticated.")
    row = db.one(
        "SELECT t.client_id, t.revoked, t.expires_at, t.scopes, c.revoked "
        "FROM oauth_access_tokens t LEFT OUTER JOIN oauth_clients c ON c.id = t.client_id "
        "WHERE t.id = %s", (jti,))
    if row is None or str(row[0]) != str(aud) or row[1] or row[4]:
        raise HttpError(401, "Unauthenticated.")
    expires = row[2]
    if isinstance(expires, str):
        expires = datetime.fromisoformat(expires)
    if expires is not None and expires <= utcnow():
        raise HttpError(401, "Unauthenticated.")
    scopes = json.loads(row[3]) if isinstance(row[3], str) else (row[3] or [])
    method = environ["REQUEST_METHOD"]
    needed = {"read", "write"} if method in ("GET", "HEAD") else {"write"}
    if scopes and "*" not in scopes and not needed & set(scopes):
        raise HttpError(403, "Invalid scope(s) provided.")


# --- Parameters ------------------------------------------------------------------------------

class Request:
    def __init__(self, environ):
        self.environ = environ
        self.method = environ["REQUEST_METHOD"]
        self.path = environ.get("PATH_INFO", "")
        self.args = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        self.params = dict(self.args)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        ctype = environ.get("CONTENT_TYPE", "")
        if body.strip() and ctype.startswith("application/json"):
            data = json.loads(body)
            if not isinstance(data, dict):
                raise HttpError(400, INVALID)
            self.params.update(data)
        elif body and ctype.startswith("application/x-www-form-urlencoded"):
            self.params.update(parse_qsl(body.decode(), keep_blank_values=True))
        host = environ.get("HTTP_HOST") or environ["SERVER_NAME"]
        self.base_url = f"{environ['wsgi.url_scheme']}://{host}{self.path}"

    def positive(self, name, required=True, default=None, maximum=MAX_ID):
        value = self.params.get(name)
        if value is None:
            if required:
                raise HttpError(400, INVALID, {name: ["Missing data for required field."]})
            return default
        if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str) and _DIGITS.fullmatch(value))):
            raise HttpError(400, INVALID, {name: ["Must be a positive integer."]})
        number = int(value)
        if not 1 <= number <= maximum:
            raise HttpError(400, INVALID, {name: ["Out of range."]})
        return number

    def code(self, name, length, required=True, upper=False):
        value = self.params.get(name)
        if value is None:
            if required:
                raise HttpError(400, INVALID, {name: ["Missing data for required field."]})
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise HttpError(400, INVALID, {name: ["Not a valid string."]})
        value = value.strip()
        if not 1 <= len(value) <= length or _CONTROL.search(value):
            raise HttpError(400, INVALID, {name: ["Invalid value."]})
        return value.upper() if upper else value


# --- Shapes ----------------------------------------------------------------------------------

def store_json(r):
    return {"id": r[0], "name": r[1], "number": r[2], "created_at": ts(r[3]),
            "updated_at": ts(r[4])}


def warehouse_json(r):
    return {"id": r[0], "name": r[1], "store_id": r[2], "created_at": ts(r[3]),
            "updated_at": ts(r[4])}


def location_json(r):
    return {"id": r[0], "warehouse_id": r[1], "rack": str(r[2]), "block": str(r[3]),
            "level": str(r[4]), "side": str(r[5]), "mapped_string": r[6],
            "created_at": ts(r[7]), "updated_at": ts(r[8])}


def placement_json(r):
    return {"id": r[0], "warehouselocation_id": r[1], "variation_id": r[2],
            "created_at": ts(r[3]), "updated_at": ts(r[4])}


STORE_COLS = "s.id, s.name, s.number, s.created_at, s.updated_at"
WAREHOUSE_COLS = "w.id, w.name, w.store_id, w.created_at, w.updated_at"
LOCATION_COLS = ("l.id, l.warehouse_id, l.rack, l.block, l.level, l.side, l.mapped_string, "
                 "l.created_at, l.updated_at")
PLACEMENT_COLS = "lv.id, lv.warehouselocation_id, lv.variation_id, lv.created_at, lv.updated_at"
VARIATION_COLS = "v.id, v.name, v.sku, v.product_id, p.id, p.name"


def paginate(req, count_sql, rows_sql, params, dump):
    page = req.positive("page", required=False, default=1, maximum=10**9)
    per_page = req.positive("per_page", required=False, default=PER_PAGE, maximum=10**9)
    if per_page > PER_PAGE_MAX:
        raise HttpError(400, INVALID, {"per_page": [f"Must be at most {PER_PAGE_MAX}."]})
    total = db.one(count_sql, params)[0]
    rows = []
    if total and (page - 1) * per_page < total:
        offset = (page - 1) * per_page
        # A rows statement that finds its page's ids first marks where LIMIT goes with {page}.
        page_sql = (rows_sql.replace("{page}", "LIMIT %s OFFSET %s") if "{page}" in rows_sql
                    else rows_sql + " LIMIT %s OFFSET %s")
        rows = db.all(page_sql, (*params, per_page, offset))
    last_page = max(1, math.ceil(total / per_page))
    first = (page - 1) * per_page + 1
    query = [(k, v) for k, v in req.args if k != "page"]

    def url(n):
        return f"{req.base_url}?{urlencode(query + [('page', n)])}"

    return {
        "current_page": page, "data": dump(rows), "first_page_url": url(1),
        "from": first if rows else None, "last_page": last_page,
        "last_page_url": url(last_page),
        "next_page_url": url(page + 1) if page < last_page else None, "path": req.base_url,
        "per_page": per_page, "prev_page_url": url(page - 1) if page > 1 else None,
        "to": first + len(rows) - 1 if rows else None, "total": total,
    }


def check_warehouse(warehouse_id):
    if db.one("SELECT w.id FROM warehouses w WHERE w.id = %s", (warehouse_id,)) is None:
        raise HttpError(404, "La bodega no existe.")


def find_location(warehouse_id, code=None, location_id=None, missing="La ubicacion no existe."):
    return location_with_sku(warehouse_id, code, location_id, missing)[0]


def location_with_sku(warehouse_id, code=None, location_id=None, missing="", sku=None):
    """(location row, variation id of `sku` or None, its placement row there or None): one
    statement, as wms finds the location and the SKU."""
    where, value = ("l.id = %s", location_id) if location_id else ("l.mapped_string = %s", code)
    if sku is None:
        row = db.one(f"SELECT {LOCATION_COLS} FROM warehouse_locations l "
                     f"WHERE l.warehouse_id = %s AND {where}", (warehouse_id, value))
        extra = (None, None)
    else:
        row = db.one(f"SELECT {LOCATION_COLS}, v.id, {PLACEMENT_COLS} FROM warehouse_locations l "
                     "LEFT OUTER JOIN variations v ON v.sku = %s "
                     "LEFT OUTER JOIN location_variations lv ON lv.warehouselocation_id = l.id "
                     f"AND lv.variation_id = v.id WHERE l.warehouse_id = %s AND {where}",
                     (sku, warehouse_id, value))
        if row is not None:
            row, extra = row[:9], (row[9], row[10:] if row[10] is not None else None)
    if row is None:
        check_warehouse(warehouse_id)
        raise HttpError(404, missing)
    return (row, *extra)


def images_of(product_ids):
    """The images of the page's products, by product, in one statement."""
    by_product = {pid: [] for pid in product_ids}
    if not product_ids:
        return by_product
    marks = ", ".join(["%s"] * len(by_product))
    for r in db.all("SELECT i.product_id, i.id, i.created_at, i.updated_at, i.file, i.\"order\", "
                    f"i.color_id FROM images i WHERE i.product_id IN ({marks}) "
                    "ORDER BY i.\"order\", i.id", tuple(by_product)):
        by_product[r[0]].append({"id": r[1], "created_at": ts(r[2]), "updated_at": ts(r[3]),
                                 "file": r[4], "product_id": r[0], "order": r[5],
                                 "color_id": r[6]})
    return by_product


def variation_json(r, images):
    return {"id": r[0], "name": r[1], "sku": r[2], "product_id": r[3],
            "product": {"id": r[4], "name": r[5], "images": images[r[4]]}}


# --- The routes ------------------------------------------------------------------------------

def warehouses_getall(req):
    store_id = req.positive("store_id", required=False)
    where, params = ("WHERE w.store_id = %s", (store_id,)) if store_id else ("", ())
    return 200, paginate(
        req, f"SELECT count(w.id) FROM warehouses w {where}",
        f"SELECT {WAREHOUSE_COLS}, {STORE_COLS} FROM warehouses w "
        f"LEFT OUTER JOIN stores s ON s.id = w.store_id {where} ORDER BY w.id", params,
        lambda rows: [{**warehouse_json(r), "store": store_json(r[5:])} for r in rows])


def warehouses_store(req):
    name = req.params.get("name")
    store_id = req.positive("store_id")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 255:
        raise HttpError(400, "Campos Inválidos.", {"name": ["Invalid value."]})
    if db.one("SELECT s.id FROM stores s WHERE s.id = %s", (store_id,)) is None:
        raise HttpError(400, "Campos Inválidos.", {"store_id": ["La tienda no existe."]})
    now = utcnow()
    [new_id] = db.one("INSERT INTO warehouses (name, store_id, created_at, updated_at) "
                      "VALUES (%s, %s, %s, %s) RETURNING id",
                      (name.strip(), store_id, stored_time(now), stored_time(now)))
    return 201, warehouse_json((new_id, name.strip(), store_id, now, now))


def getracks(req):
    warehouse_id = req.positive("warehouse_id")
    page = paginate(
        req, "SELECT count(DISTINCT l.rack) FROM warehouse_locations l "
             "WHERE l.warehouse_id = %s",
        "SELECT l.rack FROM warehouse_locations l WHERE l.warehouse_id = %s "
        "GROUP BY l.rack ORDER BY l.rack", (warehouse_id,),
        lambda rows: [{"rack": str(r[0])} for r in rows])
    if not page["total"]:
        check_warehouse(warehouse_id)
    return 200, page


def getblocks(req):
    warehouse_id, rack = req.positive("warehouse_id"), req.positive("rack")
    rows = db.all(
        f"SELECT {LOCATION_COLS}, (SELECT count(lv.id) FROM location_variations lv "
        "WHERE lv.warehouselocation_id = l.id), l.active FROM warehouse_locations l "
        "WHERE l.warehouse_id = %s AND l.rack = %s ORDER BY l.block, l.level, l.side",
        (warehouse_id, rack))
    if not rows:
        check_warehouse(warehouse_id)
    return 200, [{"id": r[0], "rack": str(r[2]), "block": str(r[3]), "level": str(r[4]),
                  "side": str(r[5]), "mapped_string": r[6], "active": int(r[10]),
                  "items_count": r[9]}
                 for r in rows]


def locations_getall(req):
    warehouse_id = req.positive("warehouse_id")
    page = paginate(
        req, "SELECT count(l.id) FROM warehouse_locations l WHERE l.warehouse_id = %s",
        f"SELECT {LOCATION_COLS}, {WAREHOUSE_COLS}, {STORE_COLS}, l.active "
        "FROM warehouse_locations l "
        "LEFT OUTER JOIN warehouses w ON w.id = l.warehouse_id "
        "LEFT OUTER JOIN stores s ON s.id = w.store_id "
        "WHERE l.warehouse_id = %s ORDER BY l.id", (warehouse_id,),
        lambda rows: [{**location_json(r), "active": int(r[19]), "warehouse": {
            **warehouse_json(r[9:]), "store": store_json(r[14:])}} for r in rows])
    if not page["total"]:
        check_warehouse(warehouse_id)
    return 200, page


def placements_getall(req):
    warehouse_id = req.positive("warehouse_id", required=False)
    sku = req.code("sku", 64, required=False)
    where, params = [], []
    if warehouse_id:
        where.append("lv.warehouse_id = %s")
        params.append(warehouse_id)
    if sku:
        where.append("lv.variation_id = (SELECT vs.id FROM variations vs WHERE vs.sku = %s)")
        params.append(sku)
    where_sql = ("WHERE " + " AND ".join(where)) if where else ""

    def dump(rows):
        images = images_of(sorted({r[9] for r in rows}))
        return [{**placement_json(r), "variation": variation_json(r[5:], images),
                 "warehouselocation": {**location_json(r[11:]), "warehouse": {
                     **warehouse_json(r[20:]), "store": store_json(r[25:])}}}
                for r in rows]

    # A warehouse's placements, or all of them, are counted by placement_counts (as wms does).
    count_sql = (f"SELECT count(lv.id) FROM location_variations lv {where_sql}" if sku else
                 "SELECT CAST(COALESCE(SUM(c.placements), 0) AS INTEGER) FROM placement_counts c"
                 + (" WHERE c.warehouse_id = %s" if warehouse_id else ""))
    return 200, paginate(
        req, count_sql,
        f"SELECT {PLACEMENT_COLS}, {VARIATION_COLS}, {LOCATION_COLS}, {WAREHOUSE_COLS}, "
        f"{STORE_COLS} FROM (SELECT lv.id FROM location_variations lv {where_sql} "
        "ORDER BY lv.id {page}) page JOIN location_variations lv ON lv.id = page.id "
        "LEFT OUTER JOIN variations v ON v.id = lv.variation_id "
        "LEFT OUTER JOIN products p ON p.id = v.product_id "
        "LEFT OUTER JOIN warehouse_locations l ON l.id = lv.warehouselocation_id "
        "LEFT OUTER JOIN warehouses w ON w.id = l.warehouse_id "
        "LEFT OUTER JOIN stores s ON s.id = w.store_id ORDER BY lv.id",
        tuple(params), dump)


def items_in_location(req):
    warehouse_id = req.positive("warehouse_id")
    location = find_location(warehouse_id, req.code("mapped_string", 32, upper=True))

    def dump(rows):
        images = images_of(sorted({r[9] for r in rows}))
        return [{**placement_json(r), "variation": variation_json(r[5:], images),
                 "warehouselocation": {"id": r[11], "mapped_string": r[12],
                                       "warehouse_id": r[13]}} for r in rows]

    return 200, paginate(
        req, "SELECT count(lv.id) FROM location_variations lv "
             "WHERE lv.warehouselocation_id = %s",
        f"SELECT {PLACEMENT_COLS}, {VARIATION_COLS}, l.id, l.mapped_string, l.warehouse_id "
        "FROM location_variations lv LEFT OUTER JOIN variations v ON v.id = lv.variation_id "
        "LEFT OUTER JOIN products p ON p.id = v.product_id "
        "LEFT OUTER JOIN warehouse_locations l ON l.id = lv.warehouselocation_id "
        "WHERE lv.warehouselocation_id = %s ORDER BY lv.id", (location[0],), dump)


def maplocations(req):
    warehouse_id = req.positive("warehouse_id")
    blocks, levels = req.positive("blocks", maximum=50), req.positive("levels", maximum=50)
    sides = req.positive("sides", maximum=2)
    if db.one("SELECT w.id FROM warehouses w WHERE w.id = %s FOR UPDATE",
              (warehouse_id,)) is None:
        raise HttpError(404, "La bodega no existe.")
    [last] = db.one("SELECT max(l.rack) FROM warehouse_locations l WHERE l.warehouse_id = %s",
                    (warehouse_id,))
    rack, now = (last or 0) + 1, stored_time(utcnow())
    rows = [(warehouse_id, rack, block, level, side,
             f"R{rack}-{'A' if side == 1 else 'B'}{block}-N{level}", now, now)
            for block in range(1, blocks + 1) for level in range(1, levels + 1)
            for side in range(1, sides + 1)]
    db.many("INSERT INTO warehouse_locations (warehouse_id, rack, block, level, side, "
            "mapped_string, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            rows)
    return 201, {"message": "Recurso creado.", "rack": str(rack), "locations_count": len(rows)}


SKU_MISSING = "No se encontro el SKU a ubicar."


def placement_at(location_id, variation_id, lock=False):
    return db.one(f"SELECT {PLACEMENT_COLS} FROM location_variations lv "
                  "WHERE lv.warehouselocation_id = %s AND lv.variation_id = %s"
                  + (" FOR UPDATE" if lock else ""), (location_id, variation_id))


def add_movement(kind, variation_id, from_id, to_id, now):
    db.one("INSERT INTO movements (kind, variation_id, from_location_id, to_location_id, "
           "created_at) VALUES (%s, %s, %s, %s, %s) RETURNING id",
           (kind, variation_id, from_id, to_id, stored_time(now)))


def locate(req):
    warehouse_id, sku = req.positive("warehouse_id"), req.code("sku", 64)
    code = req.code("mapped_string", 32, required=False, upper=True)
    location_id = req.positive("warehouselocation_id", required=False)
    location, variation_id, existing = location_with_sku(
        warehouse_id, code, location_id, "No se encontro la ubicacion destino.", sku)
    if variation_id is None:
        raise HttpError(404, SKU_MISSING)
    if existing is not None:
        return 200, placement_json(existing)
    now = utcnow()
    [new_id] = db.one("INSERT INTO location_variations (warehouselocation_id, warehouse_id, "
                      "variation_id, created_at, updated_at) VALUES (%s, %s, %s, %s, %s) "
                      "RETURNING id", (location[0], location[1], variation_id, stored_time(now),
                                       stored_time(now)))
    add_movement("locate", variation_id, None, location[0], now)
    return 200, placement_json((new_id, location[0], variation_id, now, now))


def move(req):
    ends = {}
    for end, missing in (("from", "No se encontro la ubicacion inicial."),
                         ("to", "No se encontro la ubicacion destino.")):
        ends[end] = (req.positive(f"warehouse_id_{end}"),
                     req.code(f"mapped_string_{end}", 32, required=False, upper=True),
                     req.positive(f"warehouselocation_id_{end}", required=False), missing)
    sku = req.code("sku", 64)
    src = find_location(*ends["from"])
    dst, variation_id, _there = location_with_sku(*ends["to"], sku)
    if variation_id is None:
        raise HttpError(404, SKU_MISSING)
    placement = placement_at(src[0], variation_id, lock=True)
    if placement is None:
        raise HttpError(404, "El item no se encontraba ubicado ahi.")
    if src[0] == dst[0]:
        return 200, placement_json(placement)
    merged = placement_at(dst[0], variation_id, lock=True)
    now = utcnow()
    if merged is not None:
        db.run("DELETE FROM location_variations WHERE id = %s", (placement[0],))
        result = merged
    else:
        db.run("UPDATE location_variations SET warehouselocation_id = %s, warehouse_id = %s, "
               "updated_at = %s WHERE id = %s", (dst[0], dst[1], stored_time(now), placement[0]))
        result = (placement[0], dst[0], variation_id, placement[3], now)
    add_movement("move", variation_id, src[0], dst[0], now)
    return 200, placement_json(result)


ROUTES = {
    ("GET", "/api/v1/warehouses/getall"): warehouses_getall,
    ("POST", "/api/v1/warehouses/store"): warehouses_store,
    ("GET", "/api/v1/warehouselocations/getracks"): getracks,
    ("GET", "/api/v1/warehouselocations/getblocks"): getblocks,
    ("GET", "/api/v1/warehouselocations/getall"): locations_getall,
    ("POST", "/api/v1/warehouselocations/maplocations"): maplocations,
    ("GET", "/api/v1/locationvariation/getall"): placements_getall,
    ("GET", "/api/v1/locationvariation/getitemsinlocation"): items_in_location,
    ("POST", "/api/v1/locationvariation/locateitemscan"): locate,
    ("POST", "/api/v1/locationvariation/locateitemweb"): locate,
    ("POST", "/api/v1/locationvariation/moveitemscan"): move,
    ("POST", "/api/v1/locationvariation/moveitemweb"): move,
}


def app(environ, start_response):
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "").rstrip("/")
    handler = ROUTES.get((method, path))
    write = method != "GET"
    committed, db.statements = False, 0
    try:
        if handler is None:
            raise HttpError(404, "Not Found")
        req = Request(environ)
        db.begin(write)
        verify_token(environ)
        status, body = handler(req)
        db.end(commit=write)
        committed = True
    except HttpError as e:
        status, body = e.status, e.body
    except ValueError:
        status, body = 400, {"message": INVALID}
    finally:
        if not committed and db.connection is not None:
            db.end(commit=False)
    data = (json.dumps(body, separators=(",", ":")) + "\n").encode()
    start_response(f"{status} {'OK' if status < 400 else 'Error'}", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(data))),
        ("X-Bench-Statements", str(db.statements))])
    return [data]
