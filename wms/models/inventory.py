"""Where variations sit (placements) and the append-only ledger of every change."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.extensions import db
from wms.models.base import TimestampMixin, utcnow
from wms.models.catalog import Variation
from wms.models.warehouse import WarehouseLocation


class Placement(TimestampMixin, db.Model):
    """A variation sitting in a location (the legacy `location_variations` table)."""

    __tablename__ = "location_variations"
    __table_args__ = (sa.UniqueConstraint("warehouselocation_id", "variation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouselocation_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouse_locations.id"))
    variation_id: Mapped[int] = mapped_column(sa.ForeignKey("variations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    variation: Mapped[Variation] = relationship()
    warehouselocation: Mapped[WarehouseLocation] = relationship()


class Movement(db.Model):
    __tablename__ = "movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    variation_id: Mapped[int] = mapped_column(sa.ForeignKey("variations.id"), index=True)
    from_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("warehouse_locations.id"))
    to_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("warehouse_locations.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("oauth_clients.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
