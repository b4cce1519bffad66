"""People who sign in. Their routes and commands arrive with the user-facing OAuth flows."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wms.extensions import db
from wms.models.base import TimestampMixin


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    password: Mapped[str] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
