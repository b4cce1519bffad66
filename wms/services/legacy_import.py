"""Copy the legacy Laravel service's database (spec/06 section 6.15) into wms:
`flask --app wsgi wms import-legacy --from URL`.

The source is read with SQLAlchemy Core (any database SQLAlchemy reaches: the legacy MySQL or
MariaDB, or a SQLite copy), table after table, each in id order:

    stores, warehouses, warehouse_locations, colors, categories, products, category_product,
    images, variations, roles (with model_has_roles), users, location_variations

A table the source lacks is left out and named in the report (`missing_tables`); a column it
lacks reads as null (the default below).

Ids are kept, so the ids the 2019 clients hard-code (warehouse 1, store 30) name the same rows;
PostgreSQL's sequences are moved past them (sync_id_sequences). Roles are the exception: wms
has its own `admin` and `user` roles, so legacy roles are matched to wms's by name (any case)
and the others are created with their names; a legacy role named `admin` is wms's admin role
(`users.is_admin` agrees, as wms/services/roles.py keeps it). A user without a role gets
`user` (the scanner app's menu needs one).

What is changed on the way, and what is skipped (each skip is reported with its reason):

- Location codes are stored as wms stores a scanned code (canonical_code: trimmed, upper case,
  zero padding dropped: `R01-A01-N01` is `R1-A1-N1`). Two locations of one warehouse whose
  codes are then the same keep the lower id; the other is skipped (`duplicate_code`) and its
  placements go to the one kept (noted as `moved_to_kept_location`): it is the same label on
  the shelf.
- A location whose warehouse does not exist (the legacy `warehouses/destroy` deleted only the
  warehouse row) is skipped (`orphaned_location`); so is a warehouse of an unknown store
  (`unknown_store`), a variation of an unknown product, an image of one, and so on.
- SKUs are trimmed; a SKU that an earlier (lower id) variation has is skipped
  (`duplicate_sku`). A product's `internal_reference` that a lower id has is cleared (noted as
  `duplicate_internal_reference`): the product and its variations are still copied. A
  variation's `color_id` naming no colour becomes null (noted).
- Emails are kept lower case, as sign-in looks them up; a second user with the same email is
  skipped (`duplicate_email`). Password hashes are copied as they are: Laravel's bcrypt
  (`$2y$`) hashes are accepted at sign-in and replaced by wms's own at the next one
  (wms/security.py, wms/services/users.py).
- Placements: one per (location, variation), as wms's unique pair says: a legacy duplicate is
  skipped (`duplicate_placement`), as are placements of unknown variations or locations, or of
  ones skipped above (`variation_skipped`, `location_skipped`). Each placement copied gets
  its location's `warehouse_id` and one `import` movement, so the ledger replays to exactly the
  placements (`flask wms verify-ledger`).
- A value longer than its wms column, or missing where wms needs one, skips its row
  (`too_long`, `missing_value`).

Transactions: one per batch (`batch_size` rows of one table). An interrupted run leaves whole
batches behind, and re-running completes it: a row whose id is already in wms is compared with
it and counted `unchanged` (or skipped as `changed_in_wms` when wms has changed it since: wms's
row is kept, never overwritten), and a placement that an earlier run imported (its `import`
movement is in the ledger) is not written again even if wms has removed it since
(`imported_before`). So re-running changes nothing, and writes no second movement.
"""
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache
from decimal import Decimal
from typing import Callable

import sqlalchemy as sa

from wms.extensions import db
from wms.models import (Category, Color, Image, Movement, Placement, Product, Role, Store, User,
                        UserRole, Variation, Warehouse, WarehouseLocation)
from wms.models.accounts import USER_MODEL_TYPE
from wms.models.base import utcnow
from wms.models.catalog import category_product
from wms.models.warehouse import canonical_code
from wms.services import unit_of_work
from wms.services.roles import ADMIN_ROLE, USER_ROLE
from wms.services.sequences import sync_id_sequences
from wms.values import MAX_ID

DEFAULT_BATCH_SIZE = 1000
ROLE_TABLES = ("roles", "model_has_roles")


class LegacyImportError(Exception):
    """The source cannot be read as a legacy database."""


class Skip(Exception):
    """A legacy row that is not copied: why, in a word (`reason`) and a phrase (`detail`)."""

    def __init__(self, reason, detail=None):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


@dataclass
class Report:
    """Per table: rows copied, rows already there (`unchanged`), rows skipped and rows copied
    with a change (`adjusted`), by reason; and every skipped or adjusted row."""

    tables: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    adjusted: list = field(default_factory=list)
    missing_tables: list = field(default_factory=list)

    def _table(self, table):
        return self.tables.setdefault(table, {"copied": 0, "unchanged": 0,
                                              "skipped": Counter(), "adjusted": Counter()})

    def count(self, table, what, n=1):
        self._table(table)[what] += n

    def skip(self, table, key, reason, detail=None):
        self._table(table)["skipped"][reason] += 1
        self.skipped.append({"table": table, "id": key, "reason": reason, "detail": detail})

    def adjust(self, table, key, reason, detail=None):
        self._table(table)["adjusted"][reason] += 1
        self.adjusted.append({"table": table, "id": key, "reason": reason, "detail": detail})

    def as_dict(self):
        return {"tables": {name: {**counts, "skipped": dict(counts["skipped"]),
                                  "adjusted": dict(counts["adjusted"])}
                           for name, counts in self.tables.items()},
                "skipped": self.skipped, "adjusted": self.adjusted,
                "missing_tables": self.missing_tables}


@dataclass
class _Run:
    report: Report
    now: object
    skipped: dict = field(default_factory=dict)         # table -> {legacy id: reason}
    location_alias: dict = field(default_factory=dict)  # skipped location id -> kept id
    roles_of: dict = field(default_factory=dict)        # user id -> [wms role ids]
    user_role_id: int | None = None
    admin_role_id: int | None = None

    def skip(self, table, key, skip):
        """`key`: the row's id, or its columns' values as a list (link tables)."""
        self.skipped.setdefault(table, {})[tuple(key) if isinstance(key, list) else key] = \
            skip.reason
        self.report.skip(table, key, skip.reason, skip.detail)


@dataclass(frozen=True)
class Ref:
    """A column of the prepared row that must name a row of `model`: when it names none the
    row is skipped for `reason` (or `skipped_reason`, when the import skipped that row), or,
    with `null`, the column becomes null and the row is noted as adjusted."""

    column: str
    model: type
    reason: str
    skipped_reason: str | None = None
    null: bool = False


@dataclass(frozen=True)
class Step:
    """How one legacy table is copied into one wms table."""

    table: str                      # the legacy table (and the report's name for it)
    target: sa.Table                # the wms table
    prepare: Callable               # (legacy row mapping, run) -> the wms row, or Skip
    compared: tuple = ()            # columns compared with a row already in wms
    refs: tuple = ()
    unique: tuple = ()              # columns that only one row may hold
    on_duplicate: Callable | None = None   # (row, holder's key, run) -> row, or Skip
    resolve: Callable | None = None        # (rows by key, run): fill columns read from wms
    before_insert: Callable | None = None  # (new rows, run) -> the rows to write
    after_insert: Callable | None = None   # (rows written, run), in the same transaction
    sequence: type | None = None    # the model whose id sequence follows the kept ids


# --- Values ------------------------------------------------------------------------------------

def _id(value, what="id"):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Skip("invalid_id", f"{what} {value!r} is not an id") from None
    if not 0 < number <= MAX_ID:
        raise Skip("invalid_id", f"{what} {value!r} is not an id")
    return number


def _optional_id(value, what):
    return None if value is None or value == 0 else _id(value, what)


def _integer(value, what, default=None):
    if value is None:
        if default is None:
            raise Skip("missing_value", f"{what} is empty")
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Skip("invalid_value", f"{what} {value!r} is not a number") from None


def _text(value):
    """Text as stored (numbers the legacy stored in text columns too), or None."""
    return None if value is None else str(value)


def _trimmed(value):
    text = _text(value)
    return text.strip() or None if text is not None else None


def _flag(value, default):
    return default if value is None else bool(_integer(value, "flag"))


def _stamps(row, run):
    return {"created_at": row.get("created_at") or run.now,
            "updated_at": row.get("updated_at") or row.get("created_at") or run.now}


@cache
def _column_rules(target):
    """(columns wms needs a value in, (column, length) of the text columns) of a table."""
    required = [c.name for c in target.c if not c.nullable and not c.primary_key]
    lengths = [(c.name, c.type.length) for c in target.c
               if isinstance(getattr(c.type, "length", None), int)]
    return required, lengths


def _check_columns(target, values):
    """Skip a row that wms's columns cannot hold as it is."""
    required, lengths = _column_rules(target)
    for name in required:
        if name in values and values[name] is None:
            raise Skip("missing_value", f"{name} is empty")
    for name, length in lengths:
        value = values.get(name)
        if isinstance(value, str) and len(value) > length:
            raise Skip("too_long", f"{name} is longer than {length} characters")


def _as_bool(value):
    return value if value is None else bool(value)


def _as_decimal(value):
    return value if value is None else Decimal(str(value))


@cache
def _comparable(target, columns):
    """For each compared column, what makes wms's value and the legacy one comparable."""
    def kind(column):
        if isinstance(column.type, sa.Boolean):
            return _as_bool
        return _as_decimal if isinstance(column.type, sa.Numeric) else None
    return [(name, kind(target.c[name])) for name in columns]


def _same(comparable, have, values):
    """Whether wms's values (`have`, in the order of `comparable`) are the legacy ones."""
    for (name, convert), a in zip(comparable, have):
        b = values[name]
        if convert is not None:
            a, b = convert(a), convert(b)
        if a != b:
            return False
    return True


# --- The tables --------------------------------------------------------------------------------

def _store(row, run):
    return {"id": _id(row.get("id")), "name": _text(row.get("name")),
            "number": _trimmed(row.get("number")), **_stamps(row, run)}


def _warehouse(row, run):
    return {"id": _id(row.get("id")), "name": _text(row.get("name")),
            "store_id": _id(row.get("store_id"), "store_id"), **_stamps(row, run)}


def _location(row, run):
    code = _trimmed(row.get("mapped_string"))
    if code is None:
        raise Skip("missing_value", "mapped_string is empty")
    values = {"id": _id(row.get("id")),
              "warehouse_id": _id(row.get("warehouse_id"), "warehouse_id"),
              "mapped_string": canonical_code(code),
              "active": _flag(row.get("active"), True), **_stamps(row, run)}
    for part in ("rack", "block", "level", "side"):
        values[part] = _integer(row.get(part), part)
    return values


def _same_code(values, holder, run):
    run.location_alias[values["id"]] = holder[0]
    raise Skip("duplicate_code", f"{values['mapped_string']} is location {holder[0]}'s code "
                                 f"in warehouse {values['warehouse_id']}")


def _color(row, run):
    return {"id": _id(row.get("id")), "name": _text(row.get("name")), **_stamps(row, run)}


def _category(row, run):
    return {"id": _id(row.get("id")), "name": _text(row.get("name")),
            "depends_id": _integer(row.get("depends_id"), "depends_id", 0),
            "active": _flag(row.get("active"), True), **_stamps(row, run)}


def _product(row, run):
    return {"id": _id(row.get("id")), "name": _text(row.get("name")),
            "internal_reference": _trimmed(row.get("internal_reference")),
            "provider": _text(row.get("provider")), "colors_es": _text(row.get("colors_es")),
            "family": _text(row.get("family")), "parent_name": _text(row.get("parent_name")),
            "activation_disabled": (None if row.get("activation_disabled") is None
                                    else _flag(row.get("activation_disabled"), False)),
            **_stamps(row, run)}


def _same_reference(values, holder, run):
    run.report.adjust("products", values["id"], "duplicate_internal_reference",
                      f"{values['internal_reference']} is product {holder[0]}'s: cleared")
    return {**values, "internal_reference": None}


def _category_link(row, run):
    return {"category_id": _id(row.get("category_id"), "category_id"),
            "product_id": _id(row.get("product_id"), "product_id")}


def _image(row, run):
    return {"id": _id(row.get("id")), "product_id": _id(row.get("product_id"), "product_id"),
            "file": _text(row.get("file")), "order": _integer(row.get("order"), "order", 0),
            "color_id": _integer(row.get("color_id"), "color_id", 0), **_stamps(row, run)}


def _variation(row, run):
    sku = _trimmed(row.get("sku"))
    if sku is None:
        raise Skip("missing_value", "sku is empty")
    price = row.get("price")
    return {"id": _id(row.get("id")), "product_id": _id(row.get("product_id"), "product_id"),
            "sku": sku, "name": _text(row.get("name")) or "",
            "stock": None if row.get("stock") is None else _integer(row.get("stock"), "stock"),
            "price": None if price is None else Decimal(str(price)),
            "color_id": _optional_id(row.get("color_id"), "color_id"), **_stamps(row, run)}


def _same_sku(values, holder, run):
    raise Skip("duplicate_sku", f"{values['sku']} is variation {holder[0]}'s SKU")


def _user(row, run):
    email = (_trimmed(row.get("email")) or "").lower()
    if not email:
        raise Skip("missing_value", "email is empty")
    user_id = _id(row.get("id"))
    roles = run.roles_of.get(user_id) or [run.user_role_id]
    return {"id": user_id, "name": _text(row.get("name")), "email": email,
            "password": _text(row.get("password")),
            "is_admin": run.admin_role_id in roles, "address": _text(row.get("address")),
            "deleted_at": row.get("deleted_at"), **_stamps(row, run)}


def _same_email(values, holder, run):
    raise Skip("duplicate_email", f"{values['email']} is user {holder[0]}'s email")


def _user_roles(users, run):
    links = [{"role_id": role_id, "model_type": USER_MODEL_TYPE, "model_id": user["id"]}
             for user in users for role_id in run.roles_of.get(user["id"]) or [run.user_role_id]]
    if links:
        db.session.execute(sa.insert(UserRole), links)
    run.report.count("model_has_roles", "copied", len(links))


def _placement(row, run):
    location_id = _id(row.get("warehouselocation_id"), "warehouselocation_id")
    kept = run.location_alias.get(location_id)
    placement_id = _id(row.get("id"))
    if kept is not None:
        run.report.adjust("location_variations", placement_id, "moved_to_kept_location",
                          f"location {location_id} has location {kept}'s code")
    return {"id": placement_id, "warehouselocation_id": kept or location_id,
            "variation_id": _id(row.get("variation_id"), "variation_id"),
            "user_id": _optional_id(row.get("user_id"), "user_id"), **_stamps(row, run)}


def _placement_warehouses(rows, run):
    """Each placement repeats its location's warehouse (the composite foreign key); its
    location exists (_check_refs)."""
    warehouse_of = dict(db.session.execute(
        sa.select(WarehouseLocation.id, WarehouseLocation.warehouse_id).where(
            WarehouseLocation.id.in_({r["warehouselocation_id"] for r in rows.values()}))).all())
    for values in rows.values():
        values["warehouse_id"] = warehouse_of[values["warehouselocation_id"]]


def _same_place(values, holder, run):
    raise Skip("duplicate_placement", f"placement {holder[0]} has that SKU in that location")


def _not_imported_before(rows, run):
    """Leave out placements whose `import` movement an earlier run wrote (wms removed or
    moved them since: they are not placed again)."""
    pairs = {(r["variation_id"], r["warehouselocation_id"]) for r in rows}
    if not pairs:
        return rows
    imported = {row[:2] for row in _matching(Movement.__table__, ("variation_id", "to_location_id"),
                                             pairs, "kind") if row[2] == "import"}
    kept = []
    for values in rows:
        if (values["variation_id"], values["warehouselocation_id"]) in imported:
            run.skip("location_variations", values["id"], Skip(
                "imported_before", "an earlier import placed it; wms has changed it since"))
        else:
            kept.append(values)
    return kept


def _import_movements(rows, run):
    """One `import` movement per placement, in id order: the ledger starts complete."""
    if rows:
        db.session.execute(sa.insert(Movement), [
            {"kind": "import", "variation_id": r["variation_id"], "from_location_id": None,
             "to_location_id": r["warehouselocation_id"], "user_id": r["user_id"],
             "client_id": None, "created_at": run.now, "merged": False}
            for r in sorted(rows, key=lambda r: r["id"])])


STEPS = (
    Step("stores", Store.__table__, _store, ("name", "number"), sequence=Store),
    Step("warehouses", Warehouse.__table__, _warehouse, ("name", "store_id"),
         refs=(Ref("store_id", Store, "unknown_store", "store_skipped"),), sequence=Warehouse),
    Step("warehouse_locations", WarehouseLocation.__table__, _location,
         ("warehouse_id", "rack", "block", "level", "side", "mapped_string", "active"),
         refs=(Ref("warehouse_id", Warehouse, "orphaned_location", "warehouse_skipped"),),
         unique=("warehouse_id", "mapped_string"), on_duplicate=_same_code,
         sequence=WarehouseLocation),
    Step("colors", Color.__table__, _color, ("name",), sequence=Color),
    Step("categories", Category.__table__, _category, ("name", "depends_id", "active"),
         sequence=Category),
    Step("products", Product.__table__, _product,
         ("name", "internal_reference", "provider", "colors_es", "family", "parent_name",
          "activation_disabled"),
         unique=("internal_reference",), on_duplicate=_same_reference, sequence=Product),
    Step("category_product", category_product, _category_link,
         refs=(Ref("category_id", Category, "unknown_category", "category_skipped"),
               Ref("product_id", Product, "unknown_product", "product_skipped"))),
    Step("images", Image.__table__, _image, ("product_id", "file", "order"),
         refs=(Ref("product_id", Product, "unknown_product", "product_skipped"),),
         sequence=Image),
    Step("variations", Variation.__table__, _variation,
         ("product_id", "sku", "name", "stock", "price", "color_id"),
         refs=(Ref("product_id", Product, "unknown_product", "product_skipped"),
               Ref("color_id", Color, "unknown_color", null=True)),
         unique=("sku",), on_duplicate=_same_sku, sequence=Variation),
    Step("users", User.__table__, _user, ("name", "email", "address", "is_admin"),
         unique=("email",), on_duplicate=_same_email, after_insert=_user_roles, sequence=User),
    Step("location_variations", Placement.__table__, _placement,
         ("warehouselocation_id", "variation_id"),
         refs=(Ref("warehouselocation_id", WarehouseLocation, "unknown_location",
                   "location_skipped"),
               Ref("variation_id", Variation, "unknown_variation", "variation_skipped"),
               Ref("user_id", User, "unknown_user", null=True)),
         unique=("warehouselocation_id", "variation_id"), on_duplicate=_same_place,
         resolve=_placement_warehouses, before_insert=_not_imported_before,
         after_insert=_import_movements, sequence=Placement),
)
# Read before the users: the roles each user gets.
ROLES_BEFORE = "users"


# --- One batch ---------------------------------------------------------------------------------

@cache
def _key_columns(target):
    return tuple(column.name for column in target.primary_key.columns)


def _key(values, columns):
    return tuple([values[name] for name in columns])


def _report_key(key):
    return key[0] if len(key) == 1 else list(key)


def _prepared(step, names, rows, run):
    """{key: wms row} of the rows (with the column `names`) that can be copied, in legacy
    order."""
    columns = _key_columns(step.target)
    wanted = {}
    for row in rows:
        mapping = dict(zip(names, row))
        try:
            values = step.prepare(mapping, run)
            _check_columns(step.target, values)
            if _key(values, columns) in wanted:
                raise Skip("duplicate_row", "the same row appears twice")
        except Skip as skip:
            key = tuple(mapping.get(name) for name in columns)
            run.skip(step.table, _report_key(key), skip)
            continue
        wanted[_key(values, columns)] = values
    return wanted


def _check_refs(step, wanted, run):
    for ref in step.refs:
        ids = {v[ref.column] for v in wanted.values() if v[ref.column] is not None}
        found = set(db.session.scalars(sa.select(ref.model.id).where(ref.model.id.in_(ids))))
        for key, values in list(wanted.items()):
            target = values[ref.column]
            if target is None or target in found:
                continue
            if ref.null:
                run.report.adjust(step.table, _report_key(key), ref.reason,
                                  f"{ref.column} {target} does not exist: left empty")
                values[ref.column] = None
                continue
            del wanted[key]
            earlier = run.skipped.get(ref.model.__tablename__, {}).get(target)
            if earlier is not None and ref.skipped_reason:
                skip = Skip(ref.skipped_reason, f"{ref.column} {target} was skipped ({earlier})")
            else:
                skip = Skip(ref.reason, f"{ref.column} {target} does not exist")
            run.skip(step.table, _report_key(key), skip)


def _matching(target, columns, values, *more):
    """Rows (tuples: the `columns`, then the `more` columns) of wms's `target` whose `columns`
    hold one of `values` (tuples). Each column is matched with its own IN list, which every
    database's indexes serve (a row-value IN is not), and the pairs checked here."""
    values = set(values)
    matched = [target.c[name] for name in columns]
    rows = db.session.execute(sa.select(*matched, *(target.c[n] for n in more)).where(
        *(column.in_({value[i] for value in values}) for i, column in enumerate(matched))))
    width = len(matched)
    return [row for row in rows if row[:width] in values]


def _check_unique(step, wanted, run):
    """Rows whose unique columns another row holds (an earlier row of the source, or a row of
    wms with another key) go to `on_duplicate`."""
    if not step.unique:
        return
    width = len(step.unique)
    unique_of = {key: _key(values, step.unique) for key, values in wanted.items()}
    unique_of = {key: value for key, value in unique_of.items() if None not in value}
    holders = {}
    if unique_of:
        holders = {row[:width]: row[width:] for row in _matching(
            step.target, step.unique, set(unique_of.values()), *_key_columns(step.target))}
    for key, unique_value in unique_of.items():
        holder = holders.setdefault(unique_value, key)
        if holder == key:
            continue
        try:
            wanted[key] = step.on_duplicate(wanted[key], holder, run)
        except Skip as skip:
            del wanted[key]
            run.skip(step.table, _report_key(key), skip)


def _new_rows(step, wanted, run):
    """The rows wms does not have yet; the others are counted unchanged or changed in wms."""
    if not wanted:
        return []
    columns = _key_columns(step.target)
    width = len(columns)
    existing = {row[:width]: row[width:]
                for row in _matching(step.target, columns, wanted, *step.compared)}
    comparable = _comparable(step.target, step.compared)
    new, unchanged = [], 0
    for key, values in wanted.items():
        have = existing.get(key)
        if have is None:
            new.append(values)
        elif _same(comparable, have, values):
            unchanged += 1
        else:
            run.skip(step.table, _report_key(key), Skip(
                "changed_in_wms", "wms's row differs from the legacy one: wms's is kept"))
    run.report.count(step.table, "unchanged", unchanged)
    return new


def _copy_batch(step, names, rows, run):
    wanted = _prepared(step, names, rows, run)
    _check_refs(step, wanted, run)
    if step.resolve and wanted:
        step.resolve(wanted, run)
    _check_unique(step, wanted, run)
    new = _new_rows(step, wanted, run)
    if step.before_insert:
        new = step.before_insert(new, run)
    if new:
        db.session.execute(sa.insert(step.target), new)
    run.report.count(step.table, "copied", len(new))
    if step.after_insert:
        step.after_insert(new, run)
    if step.sequence is not None:
        sync_id_sequences(step.sequence)


# --- Roles -------------------------------------------------------------------------------------

def _roles(conn, tables, run):
    """Match legacy roles to wms's by name (any case), creating the missing ones, and read
    which roles each legacy user holds; in one transaction (a store has a handful)."""
    legacy = (conn.execute(sa.select(tables["roles"]).order_by(tables["roles"].c.id))
              .mappings().all() if "roles" in tables else [])
    with unit_of_work() as session:
        wms_roles = {role.name.casefold(): role for role in session.scalars(sa.select(Role))}
        names = [(None, ADMIN_ROLE, "api"), (None, USER_ROLE, "api")] + [
            (row["id"], _trimmed(row.get("name")), row.get("guard_name") or "api")
            for row in legacy]
        role_of = {}
        for legacy_id, name, guard in names:
            role = wms_roles.get((name or "").casefold())
            if role is None and name:
                role = wms_roles[name.casefold()] = Role(name=name, guard_name=guard)
                session.add(role)
                session.flush()
                if legacy_id is not None:
                    run.report.count("roles", "copied")
            elif legacy_id is not None and role is not None:
                run.report.count("roles", "unchanged")
            if legacy_id is not None and role is not None:
                role_of[legacy_id] = role.id
        run.admin_role_id = wms_roles[ADMIN_ROLE].id
        run.user_role_id = wms_roles[USER_ROLE].id
        sync_id_sequences(Role)
    _role_links(conn, tables, role_of, run)


def _role_links(conn, tables, role_of, run):
    if "model_has_roles" not in tables:
        return
    links = tables["model_has_roles"]
    for row in conn.execute(sa.select(links).order_by(links.c.model_id, links.c.role_id)
                            ).mappings():
        key = [row.get("role_id"), row.get("model_id")]
        if not str(row.get("model_type") or "").endswith("User"):
            run.report.skip("model_has_roles", key, "not_a_user",
                            f"{row.get('model_type')} is not a user model")
        elif row.get("role_id") not in role_of:
            run.report.skip("model_has_roles", key, "unknown_role",
                            f"role {row.get('role_id')} does not exist")
        else:
            held = run.roles_of.setdefault(row["model_id"], [])
            if role_of[row["role_id"]] not in held:
                held.append(role_of[row["role_id"]])


# --- The run -----------------------------------------------------------------------------------

def _source_tables(engine):
    names = set(sa.inspect(engine).get_table_names())
    wanted = [step.table for step in STEPS] + list(ROLE_TABLES)
    present = [name for name in wanted if name in names]
    if not any(name in names for name in ("warehouses", "warehouse_locations",
                                          "location_variations")):
        raise LegacyImportError("the source has none of the legacy tables warehouses, "
                                "warehouse_locations and location_variations")
    metadata = sa.MetaData()
    metadata.reflect(engine, only=present)
    return metadata.tables, [name for name in wanted if name not in names]


def _order(table, step):
    primary = list(table.primary_key.columns)
    return primary or [table.c[name] for name in _key_columns(step.target) if name in table.c]


def _copy_table(conn, step, table, run, batch_size, bar):
    rows = conn.execution_options(stream_results=True, yield_per=batch_size).execute(
        sa.select(table).order_by(*_order(table, step)))
    names = list(rows.keys())
    for batch in rows.partitions(batch_size):
        with unit_of_work():
            _copy_batch(step, names, batch, run)
        bar.update(len(batch))


def source_counts(engine, tables):
    with engine.connect() as conn:
        return {name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
                for name, table in tables.items()}


class _NoProgress:
    def update(self, n):
        pass


def import_legacy(url, batch_size=DEFAULT_BATCH_SIZE, progress=None):
    """Copy the legacy database at `url` into wms's (see the module's docstring); the report
    as a dict. `progress(total)`, if given, returns a context manager whose value has
    `update(n)` (click.progressbar(length=total)), advanced by the rows read."""
    engine = sa.create_engine(url)
    try:
        try:
            tables, missing = _source_tables(engine)
        except sa.exc.SQLAlchemyError as e:
            raise LegacyImportError(f"cannot read the source: {getattr(e, 'orig', None) or e}")
        run = _Run(Report(missing_tables=missing), utcnow())
        counts = source_counts(engine, tables)
        bar_context = progress(sum(counts.values())) if progress else None
        with engine.connect() as conn, bar_context or nullcontext(_NoProgress()) as bar:
            _run_steps(conn, tables, run, batch_size, bar,
                       sum(counts.get(name, 0) for name in ROLE_TABLES))
        _analyze()
        return run.report.as_dict()
    finally:
        engine.dispose()


def _run_steps(conn, tables, run, batch_size, bar, role_rows):
    for step in STEPS:
        if step.table == ROLES_BEFORE:
            _roles(conn, tables, run)
            bar.update(role_rows)
        if step.table in tables:
            run.report.count(step.table, "copied", 0)
            _copy_table(conn, step, tables[step.table], run, batch_size, bar)


def _analyze():
    """Fresh planner statistics for the tables just filled (PostgreSQL, SQLite), and those only:
    a plain ANALYZE on PostgreSQL reads every table of the database."""
    if db.session.get_bind().dialect.name not in ("postgresql", "sqlite"):
        return
    with unit_of_work() as session:
        for table in [step.target for step in STEPS] + [Movement.__table__]:
            session.execute(sa.text(f"ANALYZE {table.name}"))
