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
    # A client-credentials token of an admin client may manage users (`oauth create-client
    # --admin`).
    admin: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    @property
    def confidential(self):
        return bool(self.secret)

    # Authlib's ClientMixin, for the grants this server offers.
    def get_client_id(self):
        return str(self.id)

    @property
    def redirect_uris(self):
        """The registered redirect URIs (Passport keeps them comma-separated)."""
        return [uri.strip() for uri in (self.redirect or "").split(",") if uri.strip()]

    @property
    def first_party(self):
        """Password and personal access clients are the service's own: they never take part in
        the authorization-code flow (Passport's rule)."""
        return self.password_client or self.personal_access_client

    def get_default_redirect_uri(self):
        """The redirect URI when a request names none: the client's only one."""
        uris = self.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_redirect_uri(self, redirect_uri):
        """Exactly one of the registered URIs, compared as strings (no prefix matching)."""
        return isinstance(redirect_uri, str) and redirect_uri in self.redirect_uris

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
        return response_type == "code" and not self.first_party

    def check_grant_type(self, grant_type):
        """Passport's rules: client credentials for confidential clients, the password grant
        for password clients, authorization codes for third-party clients (confidential or
        public), refresh for any client."""
        return {
            "client_credentials": self.confidential,
            "password": self.password_client,
            "authorization_code": not self.first_party,
            "refresh_token": True,
        }.get(grant_type, False)


class TokenNumber(db.Model):
    """The integer ids of personal tokens (the /api/v2 family shows tokens by an integer id;
    the others by the `jti`): a portable sequence, one row per number ever given. Numbers are
    never reused, also after `flask oauth purge` deleted their token (SQLite: AUTOINCREMENT)."""

    __tablename__ = "oauth_token_numbers"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime | None] = mapped_column(sa.DateTime, default=utcnow)


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
    # A personal token's integer id (its id in the /api/v2 family); None for other tokens.
    number: Mapped[int | None] = mapped_column(sa.ForeignKey("oauth_token_numbers.id"),
                                               unique=True)
    # When the token last let a request in, to the minute (written at most once a minute).
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    client: Mapped[OAuthClient] = relationship()
    user: Mapped[User | None] = relationship()
    number_row: Mapped[TokenNumber | None] = relationship()

    def is_active(self, now=None):
        now = now or utcnow()
        return not self.revoked and (self.expires_at is None or self.expires_at > now)

    @property
    def user_deleted(self):
        """Whether the token's user was deleted (their tokens are revoked then; this also
        stops one issued while the deletion ran)."""
        return self.user is not None and self.user.deleted


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


class AuthCode(db.Model):
    """An authorization code, known by the SHA-256 of its value (the value itself is never
    stored). Used once: the exchange marks it revoked and records the access token it gave, so
    that a second exchange of the same code revokes that token too (RFC 6749 4.1.2)."""

    __tablename__ = "oauth_auth_codes"

    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("oauth_clients.id"), index=True)
    scopes: Mapped[list] = mapped_column(sa.JSON, default=list)
    revoked: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # The redirect URI the authorization request named (None when it named none).
    redirect_uri: Mapped[str | None] = mapped_column(sa.Text)
    code_challenge: Mapped[str | None] = mapped_column(sa.String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(sa.String(10))
    # The access token the exchange issued; not a foreign key: purged tokens leave it behind.
    access_token_id: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime | None] = mapped_column(sa.DateTime, default=utcnow)
