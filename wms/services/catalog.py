"""Import the stores' catalog (products, images, variations, and the colours and categories
the 2019 clients read) from a CSV file, in one transaction.

The file is UTF-8 (an Excel byte-order mark is fine), comma-separated, with a header row of these
six columns, in any order (names are trimmed and compared case-insensitively):

    product_id,product_name,variation_id,sku,variation_name,images

and, optionally, any of these (in any order, mixed with the six):

    internal_reference,provider,colors_es,family,parent_name,activation_disabled,categories,
    stock,price,color

Every row is one variation. The fields:

- `product_id`, `variation_id`: optional; when given, a positive integer up to 2**31-1 (the store's
  e-commerce ids, kept as ours).
- `product_name`: required, trimmed, at most 255 characters, no control characters.
- `sku`: required, trimmed, at most 64 characters, no control characters.
- `variation_name`: may be empty (stored as ""), trimmed, at most 255 characters, no control
  characters.
- `images`: file names separated by `;`, each trimmed (empty ones and repeats dropped), at most
  255 characters, no control characters.

The optional fields (trimmed; no control characters in any):

- Of the product: `internal_reference` (its style code, at most 64 characters), `provider`,
  `colors_es`, `family`, `parent_name` (at most 255 characters each), `activation_disabled`
  (`true`/`false`, `1`/`0`, `yes`/`no`, any case) and `categories`: `;` separates categories,
  `>` the names on a category's path from the top (`Ropa > Camisas; Ofertas`: the subcategory
  Camisas of the department Ropa, and the department Ofertas); names at most 255 characters,
  none empty; empty entries and repeats dropped.
- Of the variation: `stock` (a whole number from 0 to 2**31-1), `price` (from 0 to
  9999999999.99, digits with at most two decimals after a point: the column is NUMERIC(12, 2)
  and a price is never rounded) and `color` (a colour's name, at most 255 characters).

An empty cell changes nothing: the stored value is kept (a new row gets null, never an invented
value), so a file may fill only the columns and cells it knows, and an optional column cannot
clear a value. A product's rows need not all fill its product fields, but those that do must
agree (the categories as a set).

A row whose fields are all empty (Excel leaves such rows at the end of a sheet) is skipped.

How rows meet the database (re-running a file updates rows instead of duplicating them):

- Products: a row with `product_id` creates or updates that product (its name is the row's). All
  rows that give one `product_id` must give it the same name. A row without `product_id` is the
  product of the first earlier row of the file with the same name; else the existing product with
  that exact name and the lowest id (not counting products the file renames); else a new product.
- Variations: a row with `variation_id` creates or updates that variation (sku, name and product
  are the row's); a row without it creates or updates the variation with its sku. A sku appears on
  one row of the file only, and so does a variation; a `variation_id` whose sku belongs to another
  existing variation is an error (so two variations cannot swap skus in one import).
- Images: a row's images belong to its product, matched by (product, file name). An image's `order`
  is its 1-based position in the product's list: the row's list, to which later rows of the same
  product append the files they add. The import is non-destructive: images (and products and
  variations) the file does not mention are kept as they are.
- internal_reference names one product: one product of the file, and in the database no product
  other than that one (so two products cannot swap references in one import: give one of them a
  temporary reference in a first import). References are told apart as the unique index does:
  exactly on SQLite and PostgreSQL, ignoring case and accents on MariaDB (its default collation).
- Colours: a colour is found by its exact name (the lowest id if several have it), else created
  once for every row that names it; the variation's colour is set to it.
- Categories: each name on a path is found by its exact name and its parent (depends_id; 0 at
  the top), the lowest id if several match, else created (active) under the one before it; an
  existing category is used as it is (an inactive one stays inactive). The product is linked to
  the last category of each path. Links are only added: a product keeps the categories the file
  no longer lists, as it keeps images.

Nothing is written unless the whole file is valid: every row is checked first (its fields, then
against the database), and the errors are raised together as one CatalogError, each with the
physical line of the file it is on (the header is line 1; a quoted field may span lines, and a
row's line is the one it starts on). Then everything is written in one transaction; a database
failure rolls all of it back. Existing rows are read in chunked `IN (...)` queries, never one
query per row, and written in batches (new products are ORM inserts, which SQLite runs one
statement each because their ids are needed; new variations, images and category links are bulk
INSERTs; new colours and categories are bulk INSERTs, a level of the tree at a time, whose ids are
read back by name). Ids given by the file are written first and the PostgreSQL sequences moved
past them (sync_id_sequences) before any row without an id is inserted; after a large import
PostgreSQL's statistics of the tables it looks up are refreshed (ANALYZE), so that the next
import's lookups stay fast. The optional columns' cells and lookups are in
wms/services/catalog_fields.py.
"""
import csv
from contextlib import nullcontext
from dataclasses import dataclass, field

import sqlalchemy as sa

from wms.extensions import db
from wms.models import Image, Product, Variation
from wms.models.catalog import category_product
from wms.values import MAX_ID, parse_id
from wms.services import unit_of_work
from wms.services.catalog_fields import (
    OPTIONAL_COLUMNS, Change, check_references, check_text, chunks, find_categories,
    find_colors, load, merge_product_fields, new_counts, read_optional, stored_links,
    write_categories, write_colors)
from wms.services.sequences import sync_id_sequences

COLUMNS = ("product_id", "product_name", "variation_id", "sku", "variation_name", "images")
BATCH = 1000    # objects per flush
ANALYZE_AFTER = 5000   # objects written, after which PostgreSQL's statistics are refreshed
# The kinds of rows counted, in the order reported; the last three only when the file has the
# column that writes them.
COUNTED = {"products": None, "variations": None, "images": None, "colors": "color",
           "categories": "categories", "category_links": "categories"}


class CatalogError(Exception):
    """The file cannot be imported; `errors` is a list of (line number, message), by line."""

    def __init__(self, errors):
        self.errors = sorted(errors, key=lambda error: error[0])
        super().__init__("; ".join(f"line {line}: {message}" for line, message in self.errors))


@dataclass
class Row:
    line: int
    product_id: int | None
    product_name: str
    variation_id: int | None
    sku: str
    variation_name: str
    images: list[str]
    product_fields: dict = field(default_factory=dict)     # its optional cells, not empty
    variation_fields: dict = field(default_factory=dict)
    product: object = None      # resolved key: an id, or ("new", name)
    variation: object = None    # resolved key: an id, or ("new", sku)


@dataclass
class _Plan:
    rows: list
    products: list = field(default_factory=list)         # with explicit ids, and updates
    new_products: dict = field(default_factory=dict)     # name -> Change, no id
    variations: list = field(default_factory=list)       # with ids (existing or explicit)
    new_variations: list = field(default_factory=list)   # no id
    images: list = field(default_factory=list)
    colors: dict = field(default_factory=dict)           # name -> id, or ("new", name)
    new_colors: list = field(default_factory=list)       # names
    categories: dict = field(default_factory=dict)       # path -> id, or ("new", path)
    new_categories: list = field(default_factory=list)   # paths, parents first
    links: list = field(default_factory=list)            # Changes of category_product
    counts: dict = field(default_factory=dict)

    @property
    def total(self):
        return (len(self.products) + len(self.new_products) + len(self.variations)
                + len(self.new_variations) + len(self.images) + len(self.new_colors)
                + len(self.new_categories) + len(self.links))


def decode(data):
    """The file's bytes as text (UTF-8, with or without a byte-order mark), or a CatalogError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise CatalogError([(line, "the file is not UTF-8 text (save it as CSV UTF-8)")])


def import_catalog(lines, progress=None):
    """Import a catalog from `lines` (a text stream, or any iterable of lines; open files with
    newline=""). Returns the counts: {"rows": n, "products": {"created", "updated", "unchanged"},
    "variations": {...}, "images": {...}}, and "colors" when the file has a `color` column,
    "categories" and "category_links" when it has `categories`. Raises CatalogError before
    writing anything.

    `progress`, if given, is called as `progress(rows, total)` once the file is valid, before
    `total` objects are written, and returns None (no progress shown) or a context manager whose
    value has `update(n)`, such as `click.progressbar(length=total)`.
    """
    rows, errors, columns = read_rows(lines)
    with unit_of_work() as session:
        plan = _plan(rows, errors)
        if errors:
            raise CatalogError(errors)
        bar = progress(len(rows), plan.total) if progress else None
        with bar or nullcontext(_NoProgress()) as bar:
            _write(session, plan, bar)
    return {"rows": len(rows), **{kind: plan.counts[kind] for kind, column in COUNTED.items()
                                  if column is None or column in columns}}


class _NoProgress:
    def update(self, n):
        pass


# Reading and checking the fields

def read_rows(lines):
    """The file's rows with valid fields, the errors of the others, and the header's columns:
    ([Row], [(line, msg)], {column}). A bad header (or a file that is not CSV) raises
    CatalogError at once."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        positions = _header_positions(header)
        rows, errors = [], []
        start = reader.line_num + 1
        for fields in reader:
            if any(value.strip() for value in fields):
                _read_row(start, fields, positions, rows, errors)
            start = reader.line_num + 1
    except csv.Error as e:
        raise CatalogError([(reader.line_num, f"the file is not valid CSV: {e}")])
    return rows, errors, set(positions)


def _header_positions(header):
    expected = ",".join(COLUMNS)
    if header is None:
        raise CatalogError([(1, f"the file is empty; its first line must be {expected}")])
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS + OPTIONAL_COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if not (missing or unknown or repeated):
        return {name: index for index, name in enumerate(names)}
    problems = []
    if missing:
        problems.append("missing " + ", ".join(missing))
    if unknown:
        problems.append("unknown " + ", ".join(repr(name) for name in unknown))
    if repeated:
        problems.append("repeated " + ", ".join(repeated))
    message = (f"the header must be {expected} (any order), and may add "
               f"{', '.join(OPTIONAL_COLUMNS)}: " + "; ".join(problems))
    if len(header) == 1 and ";" in header[0]:
        message += " (the file seems to use ';' between columns: save it comma-separated)"
    raise CatalogError([(1, message)])


def _read_row(line, fields, positions, rows, errors):
    if len(fields) != len(positions):
        errors.append((line, f"expected {len(positions)} fields, found {len(fields)}"))
        return
    values = {name: fields[index].strip() for name, index in positions.items()}
    problems = []
    product_fields, variation_fields = read_optional(values, problems)
    row = Row(
        line=line,
        product_id=_id(values, "product_id", problems),
        product_name=_text(values, "product_name", 255, problems, required=True),
        variation_id=_id(values, "variation_id", problems),
        sku=_text(values, "sku", 64, problems, required=True),
        variation_name=_text(values, "variation_name", 255, problems),
        images=_images(values["images"], problems),
        product_fields=product_fields,
        variation_fields=variation_fields,
    )
    if problems:
        errors.extend((line, problem) for problem in problems)
    else:
        rows.append(row)


def _id(values, name, problems):
    value = values[name]
    if not value:
        return None
    number = parse_id(value)
    if number is None:
        problems.append(f"{name} must be a whole number from 1 to {MAX_ID}, not {value!r}")
    return number


def _text(values, name, max_length, problems, required=False):
    value = values[name]
    if required and not value:
        problems.append(f"{name} is required")
    else:
        check_text(name, value, max_length, problems)
    return value


def _images(value, problems):
    files = []
    for file in (part.strip() for part in value.split(";")):
        if file and file not in files:
            check_text(f"image {file!r}", file, 255, problems)
            files.append(file)
    return files


# Checking the rows against the database, in memory

def _plan(rows, errors):
    session = db.session
    rows, named = _product_names(rows, errors)
    existing_products = _resolve_products(session, rows, named)
    fields, lines = merge_product_fields(rows, errors)
    check_references(session, fields, lines, errors)
    rows, existing_variations = _resolve_variations(session, rows, errors)
    plan = _Plan(rows=rows)
    _plan_products(plan, named, existing_products, fields)
    _plan_colors(session, plan)
    _plan_variations(plan, existing_variations)
    _plan_images(session, plan, existing_products)
    _plan_categories(session, plan, fields, existing_products)
    return plan


def _product_names(rows, errors):
    """{product_id: name} for the ids the file gives; the rows that give another name to an id
    are errors (and dropped)."""
    named, first_line, kept = {}, {}, []
    for row in rows:
        if row.product_id is not None:
            name = named.setdefault(row.product_id, row.product_name)
            first_line.setdefault(row.product_id, row.line)
            if name != row.product_name:
                errors.append((row.line, f"product_id {row.product_id} is named {name!r} on "
                                         f"line {first_line[row.product_id]}"))
                continue
        kept.append(row)
    return kept, named


def _resolve_products(session, rows, named):
    """Give each row its product key; returns the existing products the rows refer to, by id."""
    by_id = {p.id: p for p in load(session, Product, Product.id, named)}
    by_name = {}
    names = {row.product_name for row in rows if row.product_id is None}
    for product in sorted(load(session, Product, Product.name, names), key=lambda p: p.id):
        if named.get(product.id, product.name) == product.name:   # not renamed by the file
            by_name.setdefault(product.name, product)
    in_file = {}
    for row in rows:
        key = row.product_id
        if key is None:
            key = in_file.get(row.product_name)
        if key is None and row.product_name in by_name:
            key = by_name[row.product_name].id
            by_id[key] = by_name[row.product_name]
        if key is None:
            key = ("new", row.product_name)
        in_file.setdefault(row.product_name, key)
        row.product = key
    return by_id


def _columns(fields, product):
    """What the file sets on a product's row: its product-level cells (categories aside)."""
    return {name: value for name, value in fields.get(product, {}).items()
            if name != "categories"}


def _plan_products(plan, named, existing, fields):
    counts = plan.counts["products"] = new_counts()
    for product_id, name in named.items():
        values = {"id": product_id, "name": name, **_columns(fields, product_id)}
        _plan_product(plan, existing.get(product_id), values, counts)
    for product_id, product in existing.items():
        if product_id not in named:     # matched by name
            _plan_product(plan, product, _columns(fields, product_id), counts)
    for row in plan.rows:
        if isinstance(row.product, tuple) and row.product[1] not in plan.new_products:
            values = {"name": row.product[1], **_columns(fields, row.product)}
            plan.new_products[row.product[1]] = Change(Product, None, values)
            counts["created"] += 1


def _plan_product(plan, product, values, counts):
    if product is None:
        plan.products.append(Change(Product, None, values))
        counts["created"] += 1
        return
    changed = _differences(product, values)
    if changed:
        plan.products.append(Change(Product, product, changed))
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


# The keys of rows planned in this import, and the columns that hold them once written.
_KEY_COLUMNS = {"product": "product_id", "color": "color_id", "category": "category_id"}


def _differences(obj, values):
    """The values that differ from what `obj` holds (a key of a row not written yet, a
    ("new", ...) tuple, always does)."""
    return {name: value for name, value in values.items()
            if getattr(obj, _KEY_COLUMNS.get(name, name)) != value}


def _resolve_variations(session, rows, errors):
    """Give each row its variation key; returns the rows kept and the existing variations by
    id. The rows that repeat a sku or a variation, or take another variation's sku, are errors
    (and dropped)."""
    by_id = {v.id: v for v in load(session, Variation, Variation.id,
                                   [row.variation_id for row in rows if row.variation_id])}
    by_sku = {v.sku: v for v in load(session, Variation, Variation.sku,
                                     [row.sku for row in rows])}
    sku_lines, variation_lines, kept = {}, {}, []
    for row in rows:
        problem = _variation_of(row, by_sku, sku_lines, variation_lines)
        if problem:
            errors.append((row.line, problem))
        else:
            sku_lines[row.sku] = variation_lines[row.variation] = row.line
            kept.append(row)
    by_id.update((v.id, v) for v in by_sku.values())
    return kept, by_id


def _variation_of(row, by_sku, sku_lines, variation_lines):
    """Set row.variation, or return why the row cannot have one."""
    if row.sku in sku_lines:
        return f"sku {row.sku!r} is already on line {sku_lines[row.sku]}"
    owner = by_sku.get(row.sku)
    if row.variation_id is None:
        row.variation = owner.id if owner else ("new", row.sku)
    elif owner is not None and owner.id != row.variation_id:
        return (f"sku {row.sku!r} belongs to variation {owner.id}, "
                f"not to variation_id {row.variation_id}")
    else:
        row.variation = row.variation_id
    if row.variation in variation_lines:
        return (f"variation {row.variation} (sku {row.sku!r}) is already on line "
                f"{variation_lines[row.variation]}")
    return None


def _plan_colors(session, plan):
    """Each colour the rows name: an existing colour of that name, or a new one."""
    names = list(dict.fromkeys(row.variation_fields["color"] for row in plan.rows
                               if "color" in row.variation_fields))
    found = find_colors(session, names)
    plan.colors = {name: found.get(name, ("new", name)) for name in names}
    plan.new_colors = [name for name in names if name not in found]
    plan.counts["colors"] = new_counts(created=len(plan.new_colors), unchanged=len(found))


def _variation_values(plan, row):
    values = {"sku": row.sku, "name": row.variation_name, "product": row.product}
    for name, value in row.variation_fields.items():
        values[name] = plan.colors[value] if name == "color" else value
    return values


def _plan_variations(plan, existing):
    counts = plan.counts["variations"] = new_counts()
    for row in plan.rows:
        values = _variation_values(plan, row)
        variation = None if isinstance(row.variation, tuple) else existing.get(row.variation)
        if variation is None:
            if isinstance(row.variation, tuple):
                plan.new_variations.append(Change(Variation, None, values))
            else:
                plan.variations.append(Change(Variation, None, {"id": row.variation, **values}))
            counts["created"] += 1
        elif _differences(variation, values):
            plan.variations.append(Change(Variation, variation, values))
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1


def _plan_images(session, plan, existing_products):
    counts = plan.counts["images"] = new_counts()
    files = {}   # product key -> {file: None}, in the order the file lists them
    for row in plan.rows:
        files.setdefault(row.product, {}).update(dict.fromkeys(row.images))
    product_ids = [key for key in files if key in existing_products]
    stored = {}
    for image in sorted(load(session, Image, Image.product_id, product_ids), key=lambda i: i.id):
        stored.setdefault((image.product_id, image.file), image)
    for product, product_files in files.items():
        for order, file in enumerate(product_files, start=1):
            image = stored.get((product, file))
            if image is None:
                plan.images.append(Change(Image, None, {
                    "product": product, "file": file, "order": order, "color_id": 0}))
                counts["created"] += 1
            elif image.order != order:
                plan.images.append(Change(Image, image, {"order": order}))
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1


def _plan_categories(session, plan, fields, existing_products):
    """The categories the rows name (found by name and parent, or new) and the links of each
    product to the last category of each of its paths. Links are only added."""
    wanted = {product: values["categories"] for product, values in fields.items()
              if "categories" in values}
    paths = sorted({path for product_paths in wanted.values() for path in product_paths})
    plan.categories, plan.new_categories = find_categories(session, paths)
    stored = stored_links(session, [key for key in wanted if key in existing_products])
    unchanged = 0
    for product, product_paths in wanted.items():
        for path in product_paths:
            if (plan.categories[path], product) in stored:
                unchanged += 1
            else:
                plan.links.append(Change(category_product, None,
                                         {"category": path, "product": product}))
    plan.counts["categories"] = new_counts(created=len(plan.new_categories),
                                           unchanged=len(plan.categories)
                                           - len(plan.new_categories))
    plan.counts["category_links"] = new_counts(created=len(plan.links), unchanged=unchanged)


# Writing

def _write(session, plan, bar):
    """Rows with explicit ids first, then the sequences moved past them, then rows without.
    Products are ORM objects (other rows need the ids of new ones); colours and categories
    too need ids, and are read back after their bulk INSERTs; new variations, images and
    category links are bulk INSERTs, whose ids nothing needs."""
    _apply(session, plan, plan.products, bar)
    sync_id_sequences(Product)
    _apply(session, plan, list(plan.new_products.values()), bar)
    write_colors(session, plan.colors, plan.new_colors)
    bar.update(len(plan.new_colors))
    _apply(session, plan, plan.variations, bar, bulk=True)
    sync_id_sequences(Variation, Image)
    _apply(session, plan, plan.new_variations, bar, bulk=True)
    _apply(session, plan, plan.images, bar, bulk=True)
    write_categories(session, plan.categories, plan.new_categories)
    bar.update(len(plan.new_categories))
    _apply(session, plan, plan.links, bar, bulk=True)
    if plan.total >= ANALYZE_AFTER:
        _analyze(session)


def _analyze(session):
    """After a bulk load PostgreSQL's statistics are stale until autovacuum catches up; the next
    import's IN (...) queries, once psycopg prepares them, would then get a sequential-scan
    plan and take a minute instead of seconds. SQLite needs nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ANALYZE products, images, variations, category_product"))


def _key_ids(plan, values):
    """`values` with the keys of planned rows (products, colours, categories) turned into the
    ids of the rows written by now."""
    values = dict(values)
    for name, column in _KEY_COLUMNS.items():
        if name in values:
            values[column] = _id_of(plan, name, values.pop(name))
    return values


def _id_of(plan, name, key):
    if name == "category":
        return plan.categories[key]
    if not isinstance(key, tuple):
        return key
    if name == "color":
        return plan.colors[key[1]]
    return plan.new_products[key[1]].obj.id


def _apply(session, plan, changes, bar, bulk=False):
    """Write `changes` in batches: updates and ORM inserts by a flush, the others (`bulk`) by
    one executemany INSERT per batch."""
    for chunk in chunks(changes, BATCH):
        inserts = []
        for change in chunk:
            values = _key_ids(plan, change.values)
            if change.obj is not None:
                for name, value in values.items():
                    setattr(change.obj, name, value)
            elif bulk:
                inserts.append(values)
            else:
                change.obj = change.model(**values)
                session.add(change.obj)
        session.flush()
        if inserts:
            session.execute(sa.insert(chunk[0].model), inserts)
        bar.update(len(chunk))
