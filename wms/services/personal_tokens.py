"""Personal access tokens: long-lived tokens a user makes for themselves (scripts, tools),
issued by the personal access client. The JWT goes to the caller once; only its `jti` row is
stored. Shared by /oauth/personal-access-tokens and the per-user token APIs (/api/1.0, where a
token's id is its `jti`, and /api/v2, where it is its integer `number`): one model, one service,
so a token made in any of them is listed, used and revoked in all.

Creating and revoking a token, and presenting a revoked one, are logged on "wms.tokens" with the
owner's id, the first 8 characters of the token's id and the client: never the token itself."""
import logging
import re
import time
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from wms.errors import INVALID_PARAMS, ApiError
from wms.extensions import db
from wms.models import AccessToken, OAuthClient
from wms.models.oauth import TokenNumber
from wms.models.base import utcnow
from wms.security import hash_secret, new_client_secret
from wms.services import unit_of_work
from wms.services.tokens import TOKEN_MISSING, live_conditions, new_access_token

PERSONAL_CLIENT_NAME = "Personal Access Client"
# How stale `last_used_at` may get before a request writes it again.
LAST_USED_PRECISION = timedelta(minutes=1)

log = logging.getLogger("wms.tokens")
JTI = re.compile(r"[0-9a-f]{80}")  # every token id this service makes


def _log(event, token, actor=None):
    """One line per event; `actor` is the token (or None: a session's person) that asked."""
    log.info("%s: user=%s token=%s client=%s by_user=%s by_client=%s", event, token.user_id,
             (token.id or "")[:8], token.client_id, getattr(actor, "user_id", None),
             getattr(actor, "client_id", None))


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


def create_personal_token(user, name, scopes, expires_at=None, *, actor=None):
    """Issue a personal token for `user`; return (jwt, row). `expires_at` (naive UTC, in the
    future) defaults to the latest a token may live: now + PERSONAL_ACCESS_TOKEN_LIFETIME, and
    never past the expiry of `actor`, the token that asks (a token cannot outlive the one that
    made it); a later one is a 400. The JWT's `exp` is the same second. The row gets its
    integer `number` in the same transaction."""
    now = int(time.time())
    latest = now + current_app.config["PERSONAL_ACCESS_TOKEN_LIFETIME"]
    if getattr(actor, "expires_at", None) is not None:
        latest = min(latest, _epoch(actor.expires_at))
    if expires_at is None:
        exp = latest
    else:
        exp = _epoch(expires_at)
        if exp <= now:
            raise ApiError(INVALID_PARAMS, 400, {"expires_at": ["Must be in the future."]})
        if exp > latest:
            raise ApiError(INVALID_PARAMS, 400, {"expires_at": [
                "Must not be later than "
                f"{datetime.fromtimestamp(latest, timezone.utc):%Y-%m-%d %H:%M:%S}."]})
    with unit_of_work() as session:
        client = _personal_client(session)
        jwt, token = new_access_token(client=client, user_id=user.id, scopes=list(scopes),
                                      lifetime=exp - now, name=name, now=now)
        token.number_row = TokenNumber(created_at=token.created_at)
        session.add(token)
    _log("personal token created", token, actor)
    return jwt, token


def _personal_tokens(user_id):
    return (sa.select(AccessToken)
            .join(AccessToken.client)
            .where(AccessToken.user_id == user_id,
                   OAuthClient.personal_access_client.is_(True)))


def personal_tokens_query(user_id, now=None):
    """(select, count) of the user's personal tokens that are neither revoked nor expired,
    newest first."""
    live = _personal_tokens(user_id).where(*live_conditions(now or utcnow()))
    select = live.order_by(AccessToken.created_at.desc(), AccessToken.number.desc(),
                           AccessToken.id)
    count = live.with_only_columns(sa.func.count(), maintain_column_froms=True)
    return select, count


def list_personal_tokens(user, now=None):
    """The user's live personal tokens, newest first: one SQL statement."""
    return db.session.scalars(personal_tokens_query(user.id, now)[0]).all()


def find_personal_token(user, token_id):
    """The user's personal token with this id (revoked or not), or a 404: another user's token,
    a token of another client and an unknown id look the same."""
    if not isinstance(token_id, str) or not JTI.fullmatch(token_id):
        raise ApiError(TOKEN_MISSING, 404)
    token = db.session.scalars(_personal_tokens(user.id)
                               .where(AccessToken.id == token_id)).first()
    if token is None:
        raise ApiError(TOKEN_MISSING, 404)
    return token


def find_personal_token_by_number(number):
    """The personal token (of any user, revoked or not) with this integer id (None: the path
    held no id), or a 404."""
    if number is None:
        raise ApiError(TOKEN_MISSING, 404)
    token = db.session.scalars(
        sa.select(AccessToken).join(AccessToken.client)
        .where(AccessToken.number == number,
               OAuthClient.personal_access_client.is_(True))).first()
    if token is None:
        raise ApiError(TOKEN_MISSING, 404)
    return token


def revoke_personal_token(user, token_id, *, actor=None):
    """Revoke the user's personal token (a 404 if it is not theirs); revoking twice is
    harmless. Return the row."""
    return revoke_token(find_personal_token(user, token_id), actor=actor)


def revoke_token(token, *, actor=None):
    """Revoke a personal token found by one of the find functions; return it. Revoking a
    revoked token changes nothing (nor logs anything)."""
    if token.revoked:
        return token
    with unit_of_work():
        token.revoked = True
        token.updated_at = utcnow()
    _log("personal token revoked", token, actor)
    return token


def token_presented(token, now=None):
    """The guard calls this for every token a request presents (its PresentedToken). A
    revoked one is logged. A personal token's `last_used_at` is written when it is over a minute
    old: one UPDATE, whose WHERE lets only one of several servers write it. A failed write is
    logged, never the request's failure."""
    if token.revoked:
        _log("revoked token presented", token)
        return
    now = (now or utcnow()).replace(microsecond=0)
    if not token.personal_access_client or token.client_revoked or not token.is_active(now):
        return
    stale = now - LAST_USED_PRECISION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    try:
        with unit_of_work() as session:
            session.execute(
                sa.update(AccessToken)
                .where(AccessToken.id == token.id,
                       sa.or_(AccessToken.last_used_at.is_(None),
                              AccessToken.last_used_at <= stale))
                # updated_at stays: using a token is no change of it.
                .values(last_used_at=now, updated_at=AccessToken.updated_at)
                .execution_options(synchronize_session=False))
    except SQLAlchemyError:
        # No traceback: the statement's parameters in it would show the whole token id.
        log.warning("last_used_at not written: token=%s", token.id[:8])
        return
    token.last_used_at = now
