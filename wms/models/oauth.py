"""Passport's OAuth tables: clients, and the access tokens issued to them (by `jti` only)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.extensions import db
from wms.models.accounts import User
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
        """A client with a secret must use it; a public client (no secret) names itself only,
        and only at the token endpoint (revocation and introspection need a secret)."""
        if method == "none":
            return endpoint == "token" and not self.confidential
        if endpoint in ("token", "revocation", "introspection"):
            return method in ("client_secret_basic", "client_secret_post") and self.confidential
        return False

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        """Passport's rules: client credentials for confidential clients, the password grant
        for password clients, refresh for any client."""
        return {
            "client_credentials": self.confidential,
            "password": self.password_client,
            "refresh_token": True,
        }.get(grant_type, False)


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
    user: Mapped[User | None] = relationship()

    def is_active(self, now=None):
        now = now or utcnow()
        return not self.revoked and (self.expires_at is None or self.expires_at > now)


class RefreshToken(db.Model):
    """A refresh token, known by the SHA-256 of its value (the value itself is never stored).

    `family_id` is the id of the first token of a rotation chain: presenting a token that was
    already rotated away revokes the whole family (RFC 9700 4.14.2, refresh token reuse).
    """

    __tablename__ = "oauth_refresh_tokens"

    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    access_token_id: Mapped[str] = mapped_column(sa.ForeignKey("oauth_access_tokens.id"),
                                                 index=True)
    family_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    revoked: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    access_token: Mapped[AccessToken] = relationship()

    # Authlib's refresh-token interface.
    def check_client(self, client):
        return self.access_token.client_id == client.id

    def get_scope(self):
        return " ".join(self.access_token.scopes)
