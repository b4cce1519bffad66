"""Access tokens as Passport makes them: RS256 JWTs with Passport's claims and a `kid`."""
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import JWSRegistry
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy.orm import joinedload

from wms.extensions import db
from wms.models import AccessToken
from wms.keys import key_ring

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
