"""Column helpers shared by the models."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column


def utcnow():
    """Naive UTC, as the legacy schema stored it (DATETIME without a zone)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class TimestampMixin:
    created_at: Mapped[datetime | None] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, default=utcnow, onupdate=utcnow
    )


def exact_string(length):
    """A string compared byte for byte on every database (MariaDB's default collation ignores
    case, SQLite's and PostgreSQL's do not): for codes and SKUs, which must behave the same."""
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb")
