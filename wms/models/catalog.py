"""The catalog imported from the store's e-commerce system: products, images, variations, their
colours and categories. Fields the 2019 clients read (provider, family, price, stock...) are
nullable: a store that has none gets null, never an invented value."""
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.extensions import db
from wms.models.base import TimestampMixin, exact_string

# The category a top-level category "depends" on (the legacy schema's root marker).
ROOT_CATEGORY = 0

category_product = sa.Table(
    "category_product", db.metadata,
    sa.Column("category_id", sa.ForeignKey("categories.id"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("products.id"), primary_key=True, index=True),
)


class Category(TimestampMixin, db.Model):
    """A department (depends_id 0) or a subcategory of one (depends_id its id)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    depends_id: Mapped[int] = mapped_column(sa.Integer, default=ROOT_CATEGORY,
                                            server_default="0", index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())


class Color(TimestampMixin, db.Model):
    __tablename__ = "colors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))


class Product(TimestampMixin, db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    internal_reference: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    provider: Mapped[str | None] = mapped_column(sa.String(255))
    colors_es: Mapped[str | None] = mapped_column(sa.String(255))
    family: Mapped[str | None] = mapped_column(sa.String(255))
    parent_name: Mapped[str | None] = mapped_column(sa.String(255))
    # The legacy flag the clients filter by ("active" 0/1 means activation_disabled 0/1);
    # None when the store's system has no such flag, filtered as not disabled.
    activation_disabled: Mapped[bool | None] = mapped_column(sa.Boolean)

    images: Mapped[list["Image"]] = relationship(
        back_populates="product", order_by="(Image.order, Image.id)"
    )
    variations: Mapped[list["Variation"]] = relationship(back_populates="product",
                                                         order_by="Variation.id")
    categories: Mapped[list[Category]] = relationship(secondary=category_product,
                                                      order_by=Category.id)


class Image(TimestampMixin, db.Model):
    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    file: Mapped[str] = mapped_column(sa.String(255))
    order: Mapped[int] = mapped_column(sa.Integer, default=0)
    color_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    product: Mapped[Product] = relationship(back_populates="images")


class Variation(TimestampMixin, db.Model):
    __tablename__ = "variations"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(exact_string(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    stock: Mapped[int | None] = mapped_column(sa.Integer)
    price: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    color_id: Mapped[int | None] = mapped_column(sa.ForeignKey("colors.id"), index=True)

    product: Mapped[Product] = relationship(back_populates="variations")
    color: Mapped[Color | None] = relationship()
    # Where it sits (read only: placements change through wms/services/inventory.py).
    placements: Mapped[list["Placement"]] = relationship(  # noqa: F821 (models/inventory.py)
        viewonly=True, order_by="Placement.id")
