"""Column helpers shared by the models."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


def utcnow():
    """Naive UTC, as the legacy schema stored it (DATETIME without a zone)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class TimestampMixin:
    created_at: Mapped[datetime | None] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, default=utcnow, onupdate=utcnow
    )
