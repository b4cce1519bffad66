"""Stores, their warehouses and the mapped locations of each warehouse."""
import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from wms.extensions import db
from wms.models.base import TimestampMixin, exact_string


class Store(TimestampMixin, db.Model):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    number: Mapped[str | None] = mapped_column(sa.String(32))

    warehouses: Mapped[list["Warehouse"]] = relationship(back_populates="store")


class Warehouse(TimestampMixin, db.Model):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"), index=True)

    store: Mapped[Store] = relationship(back_populates="warehouses")
    locations: Mapped[list["WarehouseLocation"]] = relationship(back_populates="warehouse")


SIDE_LETTERS = {1: "A", 2: "B"}


def location_code(rack, block, level, side):
    """The printed code of a location: R{rack}-{A|B}{block}-N{level}."""
    return f"R{rack}-{SIDE_LETTERS[side]}{block}-N{level}"


# ASCII digits only, and no nested repetition: linear time on any input.
_CODE = re.compile(r"R([0-9]+)-([%s])([0-9]+)-N([0-9]+)" % "".join(SIDE_LETTERS.values()))


def canonical_code(text):
    """A scanned or typed location code in its stored form: trimmed, upper case and, when it
    follows the R{rack}-{A|B}{block}-N{level} pattern, without zero padding (` r01-a01-n01 `
    is `R1-A1-N1`). Other codes are only trimmed and upper-cased."""
    code = text.strip().upper()
    match = _CODE.fullmatch(code)
    if match is None:
        return code
    rack, side, block, level = match.groups()
    return f"R{_unpadded(rack)}-{side}{_unpadded(block)}-N{_unpadded(level)}"


def _unpadded(digits):
    return digits.lstrip("0") or "0"


class WarehouseLocation(TimestampMixin, db.Model):
    __tablename__ = "warehouse_locations"
    __table_args__ = (
        sa.UniqueConstraint("warehouse_id", "mapped_string"),
        sa.Index("ix_warehouse_locations_warehouse_id_rack", "warehouse_id", "rack"),
        # The target of the placements' (location, warehouse) foreign key.
        sa.UniqueConstraint("id", "warehouse_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"))
    rack: Mapped[int] = mapped_column(sa.Integer)
    block: Mapped[int] = mapped_column(sa.Integer)
    level: Mapped[int] = mapped_column(sa.Integer)
    side: Mapped[int] = mapped_column(sa.Integer)
    mapped_string: Mapped[str] = mapped_column(exact_string(32))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())

    # Computed by the queries that ask for them (with_expression), None otherwise.
    items_count: Mapped[int | None] = query_expression()
    last_movement_at: Mapped[datetime | None] = query_expression()

    warehouse: Mapped[Warehouse] = relationship(back_populates="locations")
