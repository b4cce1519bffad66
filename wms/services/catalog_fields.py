"""The optional columns of a catalog CSV (the rules are in wms/services/catalog.py): reading
their cells, checking the product-level ones across rows and internal_reference across products,
and finding the colours and categories they name. Also the bulk-reading helpers the import
shares: chunked IN (...) queries, never one query per row."""
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from wms.models import Category, Color, Product
from wms.models.catalog import ROOT_CATEGORY, category_product
from wms.values import CONTROL_CHARS, MAX_ID

CHUNK = 500     # values per IN (...) query

PRODUCT_TEXTS = {"internal_reference": 64, "provider": 255, "colors_es": 255, "family": 255,
                 "parent_name": 255}
PRODUCT_COLUMNS = (*PRODUCT_TEXTS, "activation_disabled", "categories")
VARIATION_COLUMNS = ("stock", "price", "color")
OPTIONAL_COLUMNS = PRODUCT_COLUMNS + VARIATION_COLUMNS

BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
MAX_PRICE = "9999999999.99"     # variations.price is NUMERIC(12, 2)
_COUNT = re.compile(r"[0-9]{1,10}")
_PRICE = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")


@dataclass
class Change:
    """One row to write: `obj` is the existing row (None: create it), `values` what to set."""

    model: object
    obj: object
    values: dict


def new_counts(created=0, updated=0, unchanged=0):
    return {"created": created, "updated": updated, "unchanged": unchanged}


# Reading the cells

def check_text(name, value, max_length, problems):
    if len(value) > max_length:
        problems.append(f"{name} is longer than {max_length} characters")
    if CONTROL_CHARS.search(value):
        problems.append(f"{name} has a control character (a tab, a line break, ...)")


def read_optional(values, problems):
    """The row's optional cells that are not empty, read, as ({product column: value},
    {variation column: value}). An empty cell is left out: it changes nothing."""
    product, variation = {}, {}
    for name, read in _READERS.items():
        if values.get(name):
            value = read(name, values[name], problems)
            if value is not None and value != ():
                (variation if name in VARIATION_COLUMNS else product)[name] = value
    return product, variation


def _text(max_length):
    def read(name, value, problems):
        check_text(name, value, max_length, problems)
        return value
    return read


def _boolean(name, value, problems):
    flag = BOOLEANS.get(value.lower())
    if flag is None:
        problems.append(f"{name} must be true, false, 1, 0, yes or no, not {value!r}")
    return flag


def _stock(name, value, problems):
    if not _COUNT.fullmatch(value) or int(value) > MAX_ID:
        problems.append(f"{name} must be a whole number from 0 to {MAX_ID}, not {value!r}")
        return None
    return int(value)


def _price(name, value, problems):
    """Never rounded: a price with more decimals than the column keeps is an error."""
    if not _PRICE.fullmatch(value):
        problems.append(f"{name} must be a number from 0 to {MAX_PRICE}, with at most two "
                        f"decimals after a point, not {value!r}")
        return None
    return Decimal(value)


def _categories(name, value, problems):
    """`Ropa > Camisas; Ofertas` as (("Ofertas",), ("Ropa", "Camisas")): each a path from a
    top-level category down to the product's, sorted, repeats and empty entries dropped."""
    paths = set()
    for entry in (part.strip() for part in value.split(";")):
        if not entry:
            continue
        path = tuple(part.strip() for part in entry.split(">"))
        if not all(path):
            problems.append(f"{name}: {entry!r} has an empty category name")
            continue
        for part in path:
            check_text(f"category {part!r}", part, 255, problems)
        paths.add(path)
    return tuple(sorted(paths))


_READERS = {**{name: _text(length) for name, length in PRODUCT_TEXTS.items()},
            "activation_disabled": _boolean, "categories": _categories,
            "stock": _stock, "price": _price, "color": _text(255)}


def shown(name, value):
    if name == "categories":
        return repr("; ".join(" > ".join(path) for path in value))
    return repr(str(value).lower() if isinstance(value, bool) else str(value))


# Product-level cells across rows, and internal_reference across products

def merge_product_fields(rows, errors):
    """({product key: {column: value}}, {(product key, column): line}) from the rows' product
    cells. A product's rows agree on each column they fill: a cell that differs from an
    earlier row's of the same product is an error."""
    merged, lines = {}, {}
    for row in rows:
        values = merged.setdefault(row.product, {})
        for name, value in row.product_fields.items():
            if name not in values:
                values[name], lines[row.product, name] = value, row.line
            elif values[name] != value:
                errors.append((row.line, f"{name} is {shown(name, value)} here but "
                                         f"{shown(name, values[name])} on line "
                                         f"{lines[row.product, name]}, a row of the same product"))
    return merged, lines


def check_references(session, fields, lines, errors):
    """internal_reference names one product: one of the file's, and none other in the
    database (so two products cannot swap references in one import)."""
    same = _reference_key(session)
    owners = {}
    for product, values in fields.items():
        reference = values.get("internal_reference")
        if reference is None:
            continue
        owner = owners.setdefault(same(reference), product)
        if owner != product:
            errors.append((lines[product, "internal_reference"],
                           f"internal_reference {reference!r} is already on line "
                           f"{lines[owner, 'internal_reference']}, for another product"))
    references = [values["internal_reference"] for values in fields.values()
                  if "internal_reference" in values]
    for stored in load(session, Product, Product.internal_reference, references):
        owner = owners.get(same(stored.internal_reference))
        if owner is not None and owner != stored.id:
            errors.append((lines[owner, "internal_reference"],
                           f"internal_reference {stored.internal_reference!r} belongs to "
                           f"product {stored.id}"))


def _reference_key(session):
    """What the unique index on internal_reference compares: MariaDB's default collations
    ignore case and accents, SQLite and PostgreSQL compare exactly."""
    if session.get_bind().dialect.name in ("mysql", "mariadb"):
        return _folded
    return str


def _folded(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# Reading the database

def chunks(values, size):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def load(session, model, column, values):
    """The rows of `model` whose `column` is in `values`, in chunked IN (...) queries."""
    found = []
    for chunk in chunks(sorted(set(values)), CHUNK):
        found.extend(session.scalars(sa.select(model).where(column.in_(chunk))))
    return found


def find_colors(session, names):
    """{name: id} of the colours with these exact names (the lowest id of a repeated name;
    MariaDB's IN (...) also finds other cases, which are other colours here)."""
    found = {}
    for color in sorted(load(session, Color, Color.name, names), key=lambda c: c.id):
        found.setdefault(color.name, color.id)
    return {name: found[name] for name in names if name in found}


def find_categories(session, paths):
    """({path prefix: category id, or ("new", prefix)}, [new prefixes, parents first]) for the
    paths and every prefix of them. A category is found by its name (exactly) and its parent's
    id (0 at the top, ROOT_CATEGORY); the lowest id wins if several match."""
    stored = {}
    names = {name for path in paths for name in path}
    for category in sorted(load(session, Category, Category.name, names), key=lambda c: c.id):
        stored.setdefault((category.depends_id, category.name), category.id)
    found, new = {}, []
    for path in paths:
        parent = ROOT_CATEGORY
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in found:
                key = stored.get((parent, prefix[-1])) if isinstance(parent, int) else None
                found[prefix] = ("new", prefix) if key is None else key
                if key is None:
                    new.append(prefix)
            parent = found[prefix]
    return found, new


def stored_links(session, product_ids):
    """The (category id, product id) pairs of category_product for these products."""
    table, links = category_product, set()
    for chunk in chunks(sorted(set(product_ids)), CHUNK):
        links.update(tuple(link) for link in session.execute(
            sa.select(table.c.category_id, table.c.product_id)
            .where(table.c.product_id.in_(chunk))))
    return links


# Writing colours and categories: a bulk INSERT, then their ids read back by name (the new
# rows are the only ones with their exact name, or name and parent), so that SQLite too writes
# them in a few statements rather than one INSERT ... RETURNING each.

def write_colors(session, found, new):
    """Insert the colours named in `new` and put their ids in `found` ({name: id})."""
    if new:
        session.execute(sa.insert(Color), [{"name": name} for name in new])
        found.update(find_colors(session, new))


def write_categories(session, found, new):
    """Insert the new categories, a level at a time (a child needs its parent's id), and put
    their ids in `found` ({path prefix: id})."""
    for depth in sorted({len(prefix) for prefix in new}):
        level = {prefix: found[prefix[:-1]] if depth > 1 else ROOT_CATEGORY
                 for prefix in new if len(prefix) == depth}
        session.execute(sa.insert(Category), [{"name": prefix[-1], "depends_id": parent}
                                              for prefix, parent in level.items()])
        stored = {(category.depends_id, category.name): category.id for category in
                  load(session, Category, Category.name, {prefix[-1] for prefix in level})}
        found.update((prefix, stored[parent, prefix[-1]]) for prefix, parent in level.items())
