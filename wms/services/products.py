"""The catalog as the 2019 clients browse it: products filtered by name, SKU, activation and
category; products of a location, of a warehouse's latest placements, of a scanned code; racks
and blocks counted by the products that match a search. Every list runs the same statements at
any page size (eager loads, no query per row)."""
import functools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, with_expression

from wms.errors import ApiError
from wms.extensions import db
from wms.models import Category, Placement, Product, Variation, WarehouseLocation
from wms.models.catalog import category_product

PRODUCT_MISSING = "El producto no fue encontrado."


@dataclass(frozen=True)
class ProductFilter:
    """A search of the clients' forms; None (or an empty value) means no condition."""

    name: str | None = None          # the product's name contains it, any case
    sku: str | None = None           # a variation's SKU contains it (exact with sku_exact)
    sku_exact: bool = False          # exact SKU, or the product's style (internal_reference)
    active: bool | None = None       # activation_disabled is this (null counts as false)
    category: int | None = None      # a department: its own products and its subcategories'
    subcategory: int | None = None   # wins over `category`

    def conditions(self):
        """Conditions on Product."""
        where = []
        if self.name:
            where.append(Product.name.icontains(self.name, autoescape=True))
        if self.sku and self.sku_exact:
            where.append(sa.or_(Product.id.in_(sa.select(Variation.product_id)
                                               .where(Variation.sku == self.sku)),
                                Product.internal_reference == self.sku))
        elif self.sku:
            where.append(Product.id.in_(sa.select(Variation.product_id).where(
                Variation.sku.contains(self.sku, autoescape=True))))
        if self.active is not None:
            where.append(sa.func.coalesce(Product.activation_disabled, sa.false())
                         == sa.literal(self.active))
        categories = self._categories()
        if categories is not None:
            where.append(Product.id.in_(sa.select(category_product.c.product_id)
                                        .where(category_product.c.category_id.in_(categories))))
        return where

    def _categories(self):
        if self.subcategory:
            return [self.subcategory]
        if self.category:
            children = sa.select(Category.id).where(Category.depends_id == self.category)
            return sa.union(children, sa.select(sa.literal(self.category)))
        return None

    @property
    def empty(self):
        return not self.conditions()


def _matching_placements(product_filter):
    """Conditions on Placement: its variation's product matches."""
    if product_filter is None or product_filter.empty:
        return []
    return [Placement.variation_id.in_(
        sa.select(Variation.id).join(Product, Variation.product_id == Product.id)
        .where(*product_filter.conditions()))]


# --- Racks and blocks ------------------------------------------------------------------------

def rack_totals(warehouse_id, product_filter=None):
    """[(rack, distinct matching products placed in it)] of a warehouse, every rack, by
    number, in one statement."""
    placed = (sa.select(Placement.warehouselocation_id, Variation.product_id)
              .join(Variation, Placement.variation_id == Variation.id)
              .where(*_matching_placements(product_filter)).subquery())
    stmt = (sa.select(WarehouseLocation.rack, sa.func.count(sa.distinct(placed.c.product_id)))
            .select_from(WarehouseLocation)
            .outerjoin(placed, placed.c.warehouselocation_id == WarehouseLocation.id)
            .where(WarehouseLocation.warehouse_id == warehouse_id)
            .group_by(WarehouseLocation.rack).order_by(WarehouseLocation.rack))
    return db.session.execute(stmt).all()


def items_count(product_filter=None):
    """The number of (matching) placements in the location of the enclosing query."""
    return (sa.select(sa.func.count(Placement.id))
            .where(Placement.warehouselocation_id == WarehouseLocation.id,
                   *_matching_placements(product_filter))
            .correlate(WarehouseLocation).scalar_subquery())


def rack_blocks(warehouse_id, rack, product_filter=None):
    """A rack's locations, by block, level and side, each with its number of (matching)
    placements, in one statement."""
    searched = product_filter is not None and not product_filter.empty
    stmt = _blocks_statement(product_filter) if searched else _kept_blocks_statement()
    return db.session.scalars(stmt, {"warehouse_id": warehouse_id, "rack": rack}).all()


def _blocks_statement(product_filter=None):
    return (sa.select(WarehouseLocation)
            .options(with_expression(WarehouseLocation.items_count,
                                     items_count(product_filter)))
            .where(WarehouseLocation.warehouse_id == sa.bindparam("warehouse_id"),
                   WarehouseLocation.rack == sa.bindparam("rack"))
            .order_by(WarehouseLocation.block, WarehouseLocation.level, WarehouseLocation.side)
            .execution_options(populate_existing=True))


# Without a product search, the statement is made once (a search's values are in its own).
_kept_blocks_statement = functools.cache(_blocks_statement)


# --- Products --------------------------------------------------------------------------------

def _placed_variations(location_ids=None):
    stmt = sa.select(Placement.variation_id)
    if location_ids is not None:
        stmt = stmt.where(Placement.warehouselocation_id.in_(location_ids))
    return stmt


def _with_details(stmt, variations=None):
    """Products with their images, their variations (those of `variations`, a select of ids,
    when given) with colour, and each variation's placements with their location."""
    collection = Product.variations
    if variations is not None:
        collection = collection.and_(Variation.id.in_(variations))
    return stmt.options(
        selectinload(Product.images),
        selectinload(collection).options(
            selectinload(Variation.color),
            selectinload(Variation.placements).selectinload(Placement.warehouselocation)))


def products_query(product_filter, not_located=False, warehouse_id=None):
    """(rows, count) statements of products by id: those with a placement (in the warehouse,
    when given), with their located variations; or, `not_located`, those with none, with all
    their variations."""
    locations = None
    if warehouse_id is not None:
        locations = sa.select(WarehouseLocation.id).where(
            WarehouseLocation.warehouse_id == warehouse_id)
    placed = _placed_variations(locations)
    located = Product.id.in_(sa.select(Variation.product_id).where(Variation.id.in_(placed)))
    where = [*product_filter.conditions(), ~located if not_located else located]
    rows = _with_details(sa.select(Product).where(*where).order_by(Product.id),
                         None if not_located else placed)
    return rows, sa.select(sa.func.count(Product.id)).where(*where)


def location_products_query(location_id):
    """(rows, count) statements of the products placed in one location, by id, with the
    variations placed there."""
    here = _placed_variations([location_id])
    where = Product.id.in_(sa.select(Variation.product_id).where(Variation.id.in_(here)))
    rows = _with_details(sa.select(Product).where(where).order_by(Product.id), here)
    return rows, sa.select(sa.func.count(Product.id)).where(where)


def latest_products_query(warehouse_id, q=None):
    """(rows, count) statements of the products placed in a warehouse, the most recently
    placed (or moved there) first, with the variations placed there; `q` searches names and
    style codes."""
    locations = sa.select(WarehouseLocation.id).where(
        WarehouseLocation.warehouse_id == warehouse_id)
    latest = (sa.select(Variation.product_id.label("product_id"),
                        sa.func.max(Placement.updated_at).label("placed_at"),
                        sa.func.max(Placement.id).label("last_id"))
              .join(Placement, Placement.variation_id == Variation.id)
              .where(Placement.warehouselocation_id.in_(locations))
              .group_by(Variation.product_id).subquery())
    where = []
    if q:
        where.append(sa.or_(Product.name.icontains(q, autoescape=True),
                            Product.internal_reference.icontains(q, autoescape=True)))
    rows = (sa.select(Product).join(latest, latest.c.product_id == Product.id).where(*where)
            .order_by(latest.c.placed_at.desc(), latest.c.last_id.desc(), Product.id.desc()))
    count = (sa.select(sa.func.count()).select_from(Product)
             .join(latest, latest.c.product_id == Product.id).where(*where))
    return _with_details(rows, _placed_variations(locations)), count


def scanned_product(code):
    """The product of a scanned code: a variation's SKU, else a style (internal_reference),
    with all its variations, their placements and its images; 404 if neither."""
    by_sku = sa.select(Variation.product_id).where(Variation.sku == code)
    stmt = _with_details(sa.select(Product).where(
        sa.or_(Product.id.in_(by_sku), Product.internal_reference == code))
        .order_by(Product.internal_reference == code))  # a SKU's product first
    product = db.session.scalars(stmt).first()
    if product is None:
        raise ApiError(PRODUCT_MISSING, 404)
    return product


def categories(parent=None):
    """Active departments (no parent), or the active subcategories of `parent`, by name."""
    depends = 0 if parent is None else parent
    return db.session.scalars(
        sa.select(Category).where(Category.depends_id == depends, Category.active.is_(True))
        .order_by(Category.name, Category.id)).all()
