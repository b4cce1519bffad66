"""Passport's OAuth tables: clients, and the access tokens issued to them (by `jti` only)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.extensions import db
from wms.models.base import TimestampMixin, utcnow
from wms.security import check_secret


class OAuthClient(TimestampMixin, db.Model):
    """An application that asks for tokens. `secret` holds a hash; public clients have none."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    secret: Mapped[str | None] = mapped_column(sa.String(255))
    redirect: Mapped[str] = mapped_column(sa.Text, default="")
    personal_access_client: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    password_client: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    revoked: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    @property
    def confidential(self):
        return bool(self.secret)

    # Authlib's ClientMixin, for the grants this server offers.
    def get_client_id(self):
        return str(self.id)

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return scope

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return self.confidential and check_secret(self.secret, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        if endpoint == "token":
            return method in ("client_secret_basic", "client_secret_post") and self.confidential
        return False

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        # Passport: any confidential client may use client credentials.
        return grant_type == "client_credentials" and self.confidential


class AccessToken(db.Model):
    """An issued JWT, known by its `jti`; the token itself is never stored."""

    __tablename__ = "oauth_access_tokens"

    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("oauth_clients.id"), index=True)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    scopes: Mapped[list] = mapped_column(sa.JSON, default=list)
    revoked: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime | None] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime, default=utcnow, onupdate=utcnow
    )
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    client: Mapped[OAuthClient] = relationship()

    def is_active(self, now=None):
        now = now or utcnow()
        return not self.revoked and (self.expires_at is None or self.expires_at > now)
