"""People who sign in, and their roles as the 2019 clients read them (spatie/laravel-permission's
`roles` and `model_has_roles`)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.extensions import db
from wms.models.base import TimestampMixin

# spatie's polymorphic link names the model class; every role holder here is a user.
USER_MODEL_TYPE = "App\\User"


class Role(TimestampMixin, db.Model):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    guard_name: Mapped[str] = mapped_column(sa.String(255), default="api",
                                            server_default="api")


class UserRole(db.Model):
    """A user holds a role (spatie's `model_has_roles` row, its `pivot`)."""

    __tablename__ = "model_has_roles"
    __table_args__ = (sa.PrimaryKeyConstraint("role_id", "model_id", "model_type"),
                      sa.Index(None, "model_id", "model_type"))

    role_id: Mapped[int] = mapped_column(sa.ForeignKey("roles.id", ondelete="CASCADE"))
    model_type: Mapped[str] = mapped_column(sa.String(255), default=USER_MODEL_TYPE)
    model_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    role: Mapped[Role] = relationship(lazy="joined", innerjoin=True)


class User(TimestampMixin, db.Model):
    """`is_admin` and the `admin` role always agree (wms/services/roles.py keeps them so). A
    deleted user keeps the row (the movements ledger names who did what) with `deleted_at`
    set, and is left out of lists and sign-ins; wms/services/users.py says how."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    password: Mapped[str] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    address: Mapped[str | None] = mapped_column(sa.String(255))
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    role_links: Mapped[list[UserRole]] = relationship(
        primaryjoin=lambda: sa.and_(User.id == UserRole.model_id,
                                    UserRole.model_type == USER_MODEL_TYPE),
        foreign_keys=lambda: [UserRole.model_id],
        cascade="all, delete-orphan", order_by=lambda: UserRole.role_id)

    @property
    def deleted(self):
        return self.deleted_at is not None

    @property
    def roles(self):
        return [link.role for link in self.role_links]
