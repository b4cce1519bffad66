"""The catalog imported from the store's e-commerce system: products, images, variations."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.extensions import db
from wms.models.base import TimestampMixin, exact_string


class Product(TimestampMixin, db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    internal_reference: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    images: Mapped[list["Image"]] = relationship(
        back_populates="product", order_by="(Image.order, Image.id)"
    )
    variations: Mapped[list["Variation"]] = relationship(back_populates="product")


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

    product: Mapped[Product] = relationship(back_populates="variations")
