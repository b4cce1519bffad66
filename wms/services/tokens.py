"""Issuing access tokens: the JWT goes to the caller, only its `jti` row is stored."""
import secrets
import time
from datetime import datetime, timezone

from wms.models import AccessToken
from wms.oauth.tokens import sign_access_token
from wms.services import unit_of_work


def _naive_utc(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def issue_access_token(*, client, user_id, scopes, lifetime, name=None):
    """Sign a new token and store its row; return (jwt, row)."""
    now = int(time.time())
    jti = secrets.token_hex(40)
    claims = {
        "aud": str(client.id),
        "jti": jti,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "sub": str(user_id) if user_id is not None else "",
        "scopes": list(scopes),
    }
    jwt = sign_access_token(claims)
    token = AccessToken(id=jti, user_id=user_id, client_id=client.id, name=name,
                        scopes=list(scopes), revoked=False, created_at=_naive_utc(now),
                        updated_at=_naive_utc(now), expires_at=_naive_utc(now + lifetime))
    with unit_of_work() as session:
        session.add(token)
    return jwt, token
