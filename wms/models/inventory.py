"""Where variations sit (placements) and the append-only ledger of every change."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from wms.extensions import db
from wms.models.accounts import User
from wms.models.base import TimestampMixin, exact_string, utcnow
from wms.models.catalog import Variation
from wms.models.oauth import OAuthClient
from wms.models.warehouse import WarehouseLocation


class Placement(TimestampMixin, db.Model):
    """A variation sitting in a location (the legacy `location_variations` table).

    `warehouse_id` repeats the location's warehouse, so that a warehouse's placements are one
    index range in id order (its list pages and its count read nothing else); the foreign key
    on (location, warehouse) keeps it true. Setting `warehouselocation_id` sets it, in the same
    statement; bulk loads name it themselves.
    """

    __tablename__ = "location_variations"
    __table_args__ = (
        sa.UniqueConstraint("warehouselocation_id", "variation_id"),
        sa.ForeignKeyConstraint(["warehouselocation_id", "warehouse_id"],
                                ["warehouse_locations.id", "warehouse_locations.warehouse_id"],
                                name="fk_location_variations_location_warehouse"),
        sa.Index("ix_location_variations_warehouse_id_id", "warehouse_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouselocation_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouse_locations.id"))
    warehouse_id: Mapped[int] = mapped_column(sa.Integer)
    variation_id: Mapped[int] = mapped_column(sa.ForeignKey("variations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    variation: Mapped[Variation] = relationship()
    warehouselocation: Mapped[WarehouseLocation] = relationship(
        foreign_keys=[warehouselocation_id])

    @validates("warehouselocation_id")
    def _follow_location(self, key, location_id):
        self.warehouse_id = location_warehouse(location_id)
        return location_id


def location_warehouse(location_id):
    """The warehouse id of location `location_id`, as SQL (for an INSERT or UPDATE)."""
    return (sa.select(WarehouseLocation.warehouse_id)
            .where(WarehouseLocation.id == location_id).scalar_subquery())


COUNT_SLOTS = 16


class PlacementCount(db.Model):
    """How many placements each warehouse holds, kept exact by triggers on the placements'
    table (PLACEMENT_COUNT_TRIGGERS), in the transaction of each change: a list of a warehouse's
    placements, or of all of them, reads its `total` from here instead of counting a million
    rows.

    A warehouse's count is spread over COUNT_SLOTS rows (a placement counts in slot `id % 16`),
    so that scanners placing into one warehouse at once seldom wait for one row's lock; its
    count is the sum of its slots. A later migration that rebuilds location_variations on
    SQLite (batch_alter_table copies the table) drops its triggers: it must create them again
    with create_placement_count_triggers.
    """

    __tablename__ = "placement_counts"

    warehouse_id: Mapped[int] = mapped_column(
        sa.ForeignKey("warehouses.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    slot: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    placements: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


def _row_triggers(upsert, each_row, moved):
    """SQLite's and MariaDB's triggers: they count row by row. `moved(statements)` runs
    `statements` only when an update moved the placement to another warehouse."""
    def count(row, n):
        return ("INSERT INTO placement_counts (warehouse_id, slot, placements) "
                f"VALUES ({row}.warehouse_id, {row}.id % {COUNT_SLOTS}, {n}) {upsert};")

    return [
        f"CREATE TRIGGER placement_counts_insert AFTER INSERT ON location_variations "
        f"{each_row} BEGIN {count('NEW', 1)} END",
        f"CREATE TRIGGER placement_counts_delete AFTER DELETE ON location_variations "
        f"{each_row} BEGIN {count('OLD', -1)} END",
        moved(count("OLD", -1) + " " + count("NEW", 1)),
    ]


# PostgreSQL counts once per statement (a bulk load of a million rows runs one upsert), in
# (warehouse, slot) order, so that two transactions lock a warehouse's slots in the same order.
_POSTGRESQL_COUNT = f"""
CREATE OR REPLACE FUNCTION placement_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO placement_counts (warehouse_id, slot, placements)
        SELECT warehouse_id, id % {COUNT_SLOTS}, count(*) FROM new_rows
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (warehouse_id, slot)
        DO UPDATE SET placements = placement_counts.placements + EXCLUDED.placements;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO placement_counts (warehouse_id, slot, placements)
        SELECT warehouse_id, id % {COUNT_SLOTS}, -count(*) FROM old_rows
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (warehouse_id, slot)
        DO UPDATE SET placements = placement_counts.placements + EXCLUDED.placements;
    ELSE
        INSERT INTO placement_counts (warehouse_id, slot, placements)
        SELECT warehouse_id, slot, sum(n) FROM (
            SELECT warehouse_id, id % {COUNT_SLOTS} AS slot, 1 AS n FROM new_rows
            UNION ALL
            SELECT warehouse_id, id % {COUNT_SLOTS}, -1 FROM old_rows) AS changed
        GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
        ON CONFLICT (warehouse_id, slot)
        DO UPDATE SET placements = placement_counts.placements + EXCLUDED.placements;
    END IF;
    RETURN NULL;
END
$$"""

PLACEMENT_COUNT_TRIGGERS = {
    "sqlite": _row_triggers(
        "ON CONFLICT (warehouse_id, slot) DO UPDATE SET placements = placements + "
        "excluded.placements", each_row="",
        moved=lambda statements: (
            "CREATE TRIGGER placement_counts_update AFTER UPDATE OF warehouse_id ON "
            "location_variations WHEN OLD.warehouse_id <> NEW.warehouse_id "
            f"BEGIN {statements} END")),
    "mysql": _row_triggers(
        "ON DUPLICATE KEY UPDATE placements = placements + VALUES(placements)",
        each_row="FOR EACH ROW",
        moved=lambda statements: (
            "CREATE TRIGGER placement_counts_update AFTER UPDATE ON location_variations "
            "FOR EACH ROW BEGIN IF OLD.warehouse_id <> NEW.warehouse_id THEN "
            f"{statements} END IF; END")),
    "postgresql": [_POSTGRESQL_COUNT] + [
        f"CREATE TRIGGER placement_counts_{op.lower()} AFTER {op} ON location_variations "
        f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION placement_counts_change()"
        for op, tables in (("INSERT", "NEW TABLE AS new_rows"),
                           ("DELETE", "OLD TABLE AS old_rows"),
                           ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"))],
}


def create_placement_count_triggers(connection):
    """The triggers that keep placement_counts exact (the migration that made the table and
    db.create_all both run this)."""
    for statement in PLACEMENT_COUNT_TRIGGERS[connection.dialect.name]:
        connection.execute(sa.text(statement))


sa.event.listen(db.metadata, "after_create",
                lambda target, connection, **kw: create_placement_count_triggers(connection))


MOVEMENT_KINDS = ("locate", "move", "remove", "undo", "import")


class Movement(db.Model):
    """One change of a placement, append-only: the variation leaves `from_location_id` (if any)
    and sits in `to_location_id` (if any). Replaying the ledger in id order from an empty
    database gives exactly the placements (wms/services/ledger.py).

    `kind` says why: locate, move, remove, import (a bulk load: the demo, a legacy import), or
    undo (the compensating movement of `undo_of`, at most one per movement). `merged` marks a
    move onto a location that already held the variation: only the source placement ended, so
    its undo puts the source back and leaves the destination as it was.
    """

    __tablename__ = "movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    variation_id: Mapped[int] = mapped_column(sa.ForeignKey("variations.id"), index=True)
    # A deleted warehouse's locations leave their movements behind with null ends: replay
    # stays exact, since only empty locations are deleted (warehouses.destroy_warehouse).
    from_location_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("warehouse_locations.id", ondelete="SET NULL"), index=True)
    to_location_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("warehouse_locations.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("oauth_clients.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)
    # When the scanner says the scan happened (offline batches send it later).
    scanned_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    merged: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    undo_of: Mapped[int | None] = mapped_column(sa.ForeignKey("movements.id"), unique=True)

    variation: Mapped[Variation] = relationship()
    from_location: Mapped[WarehouseLocation | None] = relationship(
        foreign_keys=[from_location_id])
    to_location: Mapped[WarehouseLocation | None] = relationship(foreign_keys=[to_location_id])
    user: Mapped[User | None] = relationship()
    client: Mapped[OAuthClient | None] = relationship()
    undone_by: Mapped["Movement | None"] = relationship(
        primaryjoin="Movement.id == foreign(Movement.undo_of)", uselist=False, viewonly=True)


class IdempotencyKey(db.Model):
    """The first answer to a request sent with an Idempotency-Key (or a scan's `scan_id`), kept
    per client for IDEMPOTENCY_TTL: a repeat gets this answer and writes nothing. Written in the
    transaction of the write it answers."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "client:<id>", or "user:<id>" for a token without a client (the web UI's token cookie).
    owner: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(exact_string(255))
    # SHA-256 of what was asked (the action and its validated parameters).
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int] = mapped_column(sa.Integer)
    body: Mapped[str] = mapped_column(
        sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
