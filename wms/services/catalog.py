"""Import the stores' catalog (products, images, variations) from a CSV file, in one transaction.

The file is UTF-8 (an Excel byte-order mark is fine), comma-separated, with a header row of exactly
these six columns, in any order (names are trimmed and compared case-insensitively):

    product_id,product_name,variation_id,sku,variation_name,images

Every row is one variation. The fields:

- `product_id`, `variation_id`: optional; when given, a positive integer up to 2**31-1 (the store's
  e-commerce ids, kept as ours).
- `product_name`: required, trimmed, at most 255 characters, no control characters.
- `sku`: required, trimmed, at most 64 characters, no control characters.
- `variation_name`: may be empty (stored as ""), trimmed, at most 255 characters, no control
  characters.
- `images`: file names separated by `;`, each trimmed (empty ones and repeats dropped), at most
  255 characters, no control characters.

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

Nothing is written unless the whole file is valid: every row is checked first (its fields, then
against the database), and the errors are raised together as one CatalogError, each with the
physical line of the file it is on (the header is line 1; a quoted field may span lines, and a
row's line is the one it starts on). Then everything is written in one transaction; a database
failure rolls all of it back. Existing rows are read in chunked `IN (...)` queries, never one
query per row, and written in batches (new products are ORM inserts, which SQLite runs one
statement each because their ids are needed; new variations and images are bulk INSERTs). Ids given
by the file are written first and the PostgreSQL sequences moved past them (sync_id_sequences)
before any row without an id is inserted; after a large import PostgreSQL's statistics of the
three tables are refreshed (ANALYZE), so that the next import's lookups stay fast.
"""
import csv
import re
from contextlib import nullcontext
from dataclasses import dataclass, field

import sqlalchemy as sa

from wms.extensions import db
from wms.models import Image, Product, Variation
from wms.values import CONTROL_CHARS, MAX_ID
from wms.services import unit_of_work
from wms.services.sequences import sync_id_sequences

COLUMNS = ("product_id", "product_name", "variation_id", "sku", "variation_name", "images")
CHUNK = 500     # values per IN (...) query
BATCH = 1000    # objects per flush
ANALYZE_AFTER = 5000   # objects written, after which PostgreSQL's statistics are refreshed
_DIGITS = re.compile(r"[0-9]+")


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
    product: object = None      # resolved key: an id, or ("new", name)
    variation: object = None    # resolved key: an id, or ("new", sku)


@dataclass
class _Change:
    """One row to write: `obj` is the existing row (None: create it), `values` what to set."""

    model: type
    obj: object
    values: dict


@dataclass
class _Plan:
    rows: list
    products: list = field(default_factory=list)         # with explicit ids, and renames
    new_products: dict = field(default_factory=dict)     # name -> _Change, no id
    variations: list = field(default_factory=list)       # with ids (existing or explicit)
    new_variations: list = field(default_factory=list)   # no id
    images: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def total(self):
        return (len(self.products) + len(self.new_products) + len(self.variations)
                + len(self.new_variations) + len(self.images))


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
    "variations": {...}, "images": {...}}. Raises CatalogError before writing anything.

    `progress`, if given, is called as `progress(rows, total)` once the file is valid, before
    `total` objects are written, and returns None (no progress shown) or a context manager whose
    value has `update(n)`, such as `click.progressbar(length=total)`.
    """
    rows, errors = read_rows(lines)
    with unit_of_work() as session:
        plan = _plan(rows, errors)
        if errors:
            raise CatalogError(errors)
        bar = progress(len(rows), plan.total) if progress else None
        with bar or nullcontext(_NoProgress()) as bar:
            _write(session, plan, bar)
    return {"rows": len(rows), **plan.counts}


class _NoProgress:
    def update(self, n):
        pass


# Reading and checking the fields

def read_rows(lines):
    """The file's rows with valid fields, and the errors of the others: ([Row], [(line, msg)]).
    A bad header (or a file that is not CSV) raises CatalogError at once."""
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
    return rows, errors


def _header_positions(header):
    expected = ",".join(COLUMNS)
    if header is None:
        raise CatalogError([(1, f"the file is empty; its first line must be {expected}")])
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    if sorted(names) == sorted(COLUMNS):
        return {name: names.index(name) for name in COLUMNS}
    problems = []
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if missing:
        problems.append("missing " + ", ".join(missing))
    if unknown:
        problems.append("unknown " + ", ".join(repr(name) for name in unknown))
    if repeated:
        problems.append("repeated " + ", ".join(repeated))
    message = f"the header must be {expected} (any order): " + "; ".join(problems)
    if len(header) == 1 and ";" in header[0]:
        message += " (the file seems to use ';' between columns: save it comma-separated)"
    raise CatalogError([(1, message)])


def _read_row(line, fields, positions, rows, errors):
    if len(fields) != len(COLUMNS):
        errors.append((line, f"expected {len(COLUMNS)} fields, found {len(fields)}"))
        return
    values = {name: fields[index].strip() for name, index in positions.items()}
    problems = []
    row = Row(
        line=line,
        product_id=_id(values, "product_id", problems),
        product_name=_text(values, "product_name", 255, problems, required=True),
        variation_id=_id(values, "variation_id", problems),
        sku=_text(values, "sku", 64, problems, required=True),
        variation_name=_text(values, "variation_name", 255, problems),
        images=_images(values["images"], problems),
    )
    if problems:
        errors.extend((line, problem) for problem in problems)
    else:
        rows.append(row)


def _id(values, name, problems):
    value = values[name]
    if not value:
        return None
    if not _DIGITS.fullmatch(value) or not 1 <= int(value) <= MAX_ID:
        problems.append(f"{name} must be a whole number from 1 to {MAX_ID}, not {value!r}")
        return None
    return int(value)


def _text(values, name, max_length, problems, required=False):
    value = values[name]
    if required and not value:
        problems.append(f"{name} is required")
    else:
        _check_text(name, value, max_length, problems)
    return value


def _check_text(name, value, max_length, problems):
    if len(value) > max_length:
        problems.append(f"{name} is longer than {max_length} characters")
    if CONTROL_CHARS.search(value):
        problems.append(f"{name} has a control character (a tab, a line break, ...)")


def _images(value, problems):
    files = []
    for file in (part.strip() for part in value.split(";")):
        if file and file not in files:
            _check_text(f"image {file!r}", file, 255, problems)
            files.append(file)
    return files


# Checking the rows against the database, in memory

def _chunks(values, size):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _load(session, model, column, values):
    """The rows of `model` whose `column` is in `values`, in chunked IN (...) queries."""
    found = []
    for chunk in _chunks(sorted(set(values)), CHUNK):
        found.extend(session.scalars(sa.select(model).where(column.in_(chunk))))
    return found


def _plan(rows, errors):
    session = db.session
    rows, named = _product_names(rows, errors)
    existing_products = _resolve_products(session, rows, named)
    rows, existing_variations = _resolve_variations(session, rows, errors)
    plan = _Plan(rows=rows)
    _plan_products(plan, named, existing_products)
    _plan_variations(plan, existing_variations)
    _plan_images(session, plan, existing_products)
    return plan


def _counts():
    return {"created": 0, "updated": 0, "unchanged": 0}


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
    by_id = {p.id: p for p in _load(session, Product, Product.id, named)}
    by_name = {}
    names = {row.product_name for row in rows if row.product_id is None}
    for product in sorted(_load(session, Product, Product.name, names), key=lambda p: p.id):
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


def _plan_products(plan, named, existing):
    counts = plan.counts["products"] = _counts()
    for product_id, name in named.items():
        product = existing.get(product_id)
        if product is None:
            plan.products.append(_Change(Product, None, {"id": product_id, "name": name}))
            counts["created"] += 1
        elif product.name != name:
            plan.products.append(_Change(Product, product, {"name": name}))
            counts["updated"] += 1
    for row in plan.rows:
        if isinstance(row.product, tuple) and row.product[1] not in plan.new_products:
            plan.new_products[row.product[1]] = _Change(Product, None, {"name": row.product[1]})
            counts["created"] += 1
    counts["unchanged"] = len(existing) - counts["updated"]


def _resolve_variations(session, rows, errors):
    """Give each row its variation key; returns the rows kept and the existing variations by
    id. The rows that repeat a sku or a variation, or take another variation's sku, are errors
    (and dropped)."""
    by_id = {v.id: v for v in _load(session, Variation, Variation.id,
                                    [row.variation_id for row in rows if row.variation_id])}
    by_sku = {v.sku: v for v in _load(session, Variation, Variation.sku,
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


def _plan_variations(plan, existing):
    counts = plan.counts["variations"] = _counts()
    for row in plan.rows:
        values = {"sku": row.sku, "name": row.variation_name, "product": row.product}
        variation = None if isinstance(row.variation, tuple) else existing.get(row.variation)
        if variation is None:
            if isinstance(row.variation, tuple):
                plan.new_variations.append(_Change(Variation, None, values))
            else:
                plan.variations.append(_Change(Variation, None, {"id": row.variation, **values}))
            counts["created"] += 1
        elif (variation.sku, variation.name, variation.product_id) != (
                row.sku, row.variation_name, row.product):
            plan.variations.append(_Change(Variation, variation, values))
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1


def _plan_images(session, plan, existing_products):
    counts = plan.counts["images"] = _counts()
    files = {}   # product key -> {file: None}, in the order the file lists them
    for row in plan.rows:
        files.setdefault(row.product, {}).update(dict.fromkeys(row.images))
    product_ids = [key for key in files if key in existing_products]
    stored = {}
    for image in sorted(_load(session, Image, Image.product_id, product_ids), key=lambda i: i.id):
        stored.setdefault((image.product_id, image.file), image)
    for product, product_files in files.items():
        for order, file in enumerate(product_files, start=1):
            image = stored.get((product, file))
            if image is None:
                plan.images.append(_Change(Image, None, {
                    "product": product, "file": file, "order": order, "color_id": 0}))
                counts["created"] += 1
            elif image.order != order:
                plan.images.append(_Change(Image, image, {"order": order}))
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1


# Writing

def _write(session, plan, bar):
    """Rows with explicit ids first, then the sequences moved past them, then rows without.
    Products are ORM objects (rows need the ids of new products); new variations and images
    are bulk INSERTs, whose ids nothing needs."""
    _apply(session, plan, plan.products, bar)
    sync_id_sequences(Product)
    _apply(session, plan, list(plan.new_products.values()), bar)
    _apply(session, plan, plan.variations, bar, bulk=True)
    sync_id_sequences(Variation, Image)
    _apply(session, plan, plan.new_variations, bar, bulk=True)
    _apply(session, plan, plan.images, bar, bulk=True)
    if plan.total >= ANALYZE_AFTER:
        _analyze(session)


def _analyze(session):
    """After a bulk load PostgreSQL's statistics are stale until autovacuum catches up; the next
    import's IN (...) queries, once psycopg prepares them, would then get a sequential-scan
    plan and take a minute instead of seconds. SQLite needs nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ANALYZE products, images, variations"))


def _product_id(plan, key):
    return plan.new_products[key[1]].obj.id if isinstance(key, tuple) else key


def _apply(session, plan, changes, bar, bulk=False):
    """Write `changes` in batches: updates and ORM inserts by a flush, the others (`bulk`) by
    one executemany INSERT per batch."""
    for chunk in _chunks(changes, BATCH):
        inserts = []
        for change in chunk:
            values = dict(change.values)
            if "product" in values:
                values["product_id"] = _product_id(plan, values.pop("product"))
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
