"""Access tokens as Passport makes them: RS256 JWTs with Passport's claims and a `kid`."""
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import JWSRegistry
from joserfc.jwt import JWTClaimsRegistry
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from wms.extensions import db
from wms.keys import key_ring
from wms.models import AccessToken, OAuthClient, User
from wms.models.base import utcnow

ALGORITHM = "RS256"
# Passport repeats the jti in the header, which the strict registry refuses to write.
_REGISTRY = JWSRegistry(strict_check_header=False, algorithms=[ALGORITHM])
_CLAIMS = JWTClaimsRegistry(
    leeway=5, exp={"essential": True}, jti={"essential": True}, aud={"essential": True}
)


def sign_access_token(claims):
    ring = key_ring()
    header = {"typ": "JWT", "alg": ALGORITHM, "jti": claims["jti"], "kid": ring.kid}
    return jwt.encode(header, claims, ring.signing_key, algorithms=[ALGORITHM],
                      registry=_REGISTRY)


def _verification_key(token):
    kid = token.headers().get("kid")
    key = key_ring().verification_key(kid)
    if key is None:
        # Signed by a worker or server that already switched to a new key, or forged.
        key = key_ring(fresh=True).verification_key(kid)
    if key is None:
        raise ValueError("unknown kid")
    return key


def verify_access_token(token):
    """The claims of a token we signed that is still within its lifetime, else None."""
    try:
        claims = jwt.decode(token, _verification_key, algorithms=[ALGORITHM],
                            registry=_REGISTRY).claims
        _CLAIMS.validate(claims)
    except (JoseError, ValueError, TypeError, UnicodeError):
        return None
    if not isinstance(claims.get("jti"), str):
        return None
    return claims


def find_access_token(token):
    """(row, claims) of a token we signed, within its lifetime, whose row (found by `jti`, one
    primary-key lookup) belongs to the client its `aud` names; else (None, None).

    The row may be revoked or past its `expires_at`, or its user deleted: the guard refuses
    such a token, and introspection calls it inactive. The row comes with its client and user
    (the same one statement).
    """
    claims = verify_access_token(token)
    if claims is None:
        return None, None
    row = db.session.get(AccessToken, claims["jti"],
                         options=[joinedload(AccessToken.client), joinedload(AccessToken.user)])
    if row is None or str(row.client_id) != str(claims.get("aud")):
        return None, None
    return row, claims


class PresentedToken:
    """What the guard needs of the token a request presents, read by one Core statement: the
    token's row with its client's and user's flags (no ORM objects are built on the way in).
    `client` and `user` are the ORM rows, loaded when a route asks for them."""

    __slots__ = ("id", "client_id", "user_id", "scopes", "revoked", "expires_at",
                 "last_used_at", "client_revoked", "client_admin", "personal_access_client",
                 "user_deleted", "user_is_admin")
    transient = False

    def __init__(self, row):
        (self.id, self.client_id, self.user_id, scopes, self.revoked, self.expires_at,
         self.last_used_at, self.client_revoked, self.client_admin, self.personal_access_client,
         user_deleted_at, self.user_is_admin) = row
        self.scopes = scopes or []
        self.user_deleted = user_deleted_at is not None

    def is_active(self, now=None):
        now = now or utcnow()
        return not self.revoked and (self.expires_at is None or self.expires_at > now)

    @property
    def client(self):
        return db.session.get(OAuthClient, self.client_id)

    @property
    def user(self):
        return None if self.user_id is None else db.session.get(User, self.user_id)


_PRESENTED = (
    sa.select(AccessToken.id, AccessToken.client_id, AccessToken.user_id, AccessToken.scopes,
              AccessToken.revoked, AccessToken.expires_at, AccessToken.last_used_at,
              OAuthClient.revoked, OAuthClient.admin, OAuthClient.personal_access_client,
              User.deleted_at, User.is_admin)
    .join(OAuthClient, OAuthClient.id == AccessToken.client_id)
    .outerjoin(User, User.id == AccessToken.user_id)
    .where(AccessToken.id == sa.bindparam("jti"))
)


def presented_token(token):
    """The PresentedToken of a token we signed, within its lifetime, whose row belongs to the
    client its `aud` names; else None. Revoked or expired rows, and those of a revoked client or
    a deleted user, are returned: the guard refuses them (and logs a revoked one)."""
    claims = verify_access_token(token)
    if claims is None:
        return None
    row = db.session.connection().execute(_PRESENTED, {"jti": claims["jti"]}).first()
    if row is None or str(row.client_id) != str(claims.get("aud")):
        return None
    return PresentedToken(row)
