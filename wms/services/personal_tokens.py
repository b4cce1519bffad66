"""Personal access tokens: long-lived tokens a user makes for themselves (scripts, tools),
issued by the personal access client. The JWT goes to the caller once; only its `jti` row is
stored. Shared by /oauth/personal-access-tokens and the per-user token APIs."""
import time
from datetime import timezone

import sqlalchemy as sa
from flask import current_app

from wms.errors import INVALID_PARAMS, ApiError
from wms.extensions import db
from wms.models import AccessToken, OAuthClient
from wms.models.base import utcnow
from wms.security import hash_secret, new_client_secret
from wms.services import unit_of_work
from wms.services.tokens import TOKEN_MISSING, new_access_token

PERSONAL_CLIENT_NAME = "Personal Access Client"


def _epoch(naive_utc):
    return int(naive_utc.replace(tzinfo=timezone.utc).timestamp())


def _personal_client(session):
    """The oldest unrevoked personal access client; made (confidential, its secret never shown:
    nobody needs it) in the caller's transaction when there is none."""
    client = session.scalars(
        sa.select(OAuthClient)
        .where(OAuthClient.personal_access_client.is_(True), OAuthClient.revoked.is_(False))
        .order_by(OAuthClient.id).limit(1)).first()
    if client is None:
        client = OAuthClient(name=PERSONAL_CLIENT_NAME, user_id=None,
                             secret=hash_secret(new_client_secret()), redirect="",
                             personal_access_client=True, password_client=False,
                             revoked=False)
        session.add(client)
        session.flush()
    return client


def create_personal_token(user, name, scopes, expires_at=None):
    """Issue a personal token for `user`; return (jwt, row). `expires_at` (naive UTC, in the
    future) defaults to now + PERSONAL_ACCESS_TOKEN_LIFETIME; the JWT's `exp` is the same
    second."""
    now = int(time.time())
    if expires_at is None:
        exp = now + current_app.config["PERSONAL_ACCESS_TOKEN_LIFETIME"]
    else:
        exp = _epoch(expires_at)
        if exp <= now:
            raise ApiError(INVALID_PARAMS, 400, {"expires_at": ["Must be in the future."]})
    with unit_of_work() as session:
        client = _personal_client(session)
        jwt, token = new_access_token(client=client, user_id=user.id, scopes=list(scopes),
                                      lifetime=exp - now, name=name, now=now)
        session.add(token)
    return jwt, token


def _personal_tokens(user_id):
    return (sa.select(AccessToken)
            .join(AccessToken.client)
            .where(AccessToken.user_id == user_id,
                   OAuthClient.personal_access_client.is_(True)))


def list_personal_tokens(user, now=None):
    """The user's personal tokens that are neither revoked nor expired, newest first: one SQL
    statement."""
    now = now or utcnow()
    return db.session.scalars(
        _personal_tokens(user.id)
        .where(AccessToken.revoked.is_(False),
               sa.or_(AccessToken.expires_at.is_(None), AccessToken.expires_at > now))
        .order_by(AccessToken.created_at.desc(), AccessToken.id)).all()


def find_personal_token(user, token_id):
    """The user's personal token with this id (revoked or not), or a 404: another user's token,
    a token of another client and an unknown id look the same."""
    if not isinstance(token_id, str) or len(token_id) > 100:
        raise ApiError(TOKEN_MISSING, 404)
    token = db.session.scalars(_personal_tokens(user.id)
                               .where(AccessToken.id == token_id)).first()
    if token is None:
        raise ApiError(TOKEN_MISSING, 404)
    return token


def revoke_personal_token(user, token_id):
    """Revoke the user's personal token (a 404 if it is not theirs); revoking twice is
    harmless. Return the row."""
    token = find_personal_token(user, token_id)
    with unit_of_work():
        token.revoked = True
        token.updated_at = utcnow()
    return token
