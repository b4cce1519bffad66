"""Access tokens: issuing them (the JWT goes to the caller, only its `jti` row is stored),
revoking them, and purging the rows that no longer let anything in."""
import hashlib
import secrets
import time
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from flask import current_app

from wms.extensions import db
from wms.errors import ApiError
from wms.models import AccessToken, AuthCode, OAuthClient, RefreshToken
from wms.models.base import utcnow
from wms.access_tokens import sign_access_token
from wms.services import unit_of_work


def _naive_utc(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def new_access_token(*, client, user_id, scopes, lifetime, name=None, now=None):
    """A signed JWT and its row, not yet added to the session (the caller's transaction adds
    it). `now` (epoch seconds) lets a caller make `exp` a second it already chose."""
    now = now or int(time.time())
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
    return jwt, token


def issue_access_token(*, client, user_id, scopes, lifetime, name=None):
    """Sign a new token and store its row; return (jwt, row)."""
    jwt, token = new_access_token(client=client, user_id=user_id, scopes=scopes,
                                  lifetime=lifetime, name=name)
    with unit_of_work() as session:
        session.add(token)
    return jwt, token


def _refresh_id(value):
    return hashlib.sha256(value.encode()).hexdigest()


class CodeAlreadyUsed(Exception):
    """The authorization code was exchanged by someone else first."""


def issue_tokens(*, client, user_id, scopes, refresh, replaces=None, code=None):
    """Passport's token response: an access token and, when asked, a refresh token, written in
    one transaction. `replaces` is a refresh token being rotated: it and its access token are
    revoked in the same transaction, and the new refresh token joins its family. `code` is an
    authorization code being exchanged: it is marked used in the same transaction, and
    CodeAlreadyUsed raised (nothing written) if a concurrent exchange got it first."""
    config = current_app.config
    lifetime = config["ACCESS_TOKEN_LIFETIME"]
    jwt, access = new_access_token(client=client, user_id=user_id, scopes=scopes,
                                   lifetime=lifetime)
    body = {"token_type": "Bearer", "expires_in": lifetime, "access_token": jwt}
    with unit_of_work() as session:
        session.add(access)
        if code is not None:
            claimed = session.execute(
                sa.update(AuthCode).where(AuthCode.id == code.id, AuthCode.revoked.is_(False))
                .values(revoked=True, access_token_id=access.id)
                .execution_options(synchronize_session=False)).rowcount
            if claimed != 1:
                raise CodeAlreadyUsed()
        if replaces is not None:
            replaces.revoked = True
            replaces.access_token.revoked = True
        if refresh:
            value = secrets.token_urlsafe(48)
            token_id = _refresh_id(value)
            session.add(RefreshToken(
                id=token_id, access_token=access, revoked=False,
                family_id=replaces.family_id if replaces is not None else token_id,
                expires_at=utcnow() + timedelta(seconds=config["REFRESH_TOKEN_LIFETIME"])))
            body["refresh_token"] = value
    return body


def find_refresh_token(value):
    """The refresh token with this value (looked up by its hash), revoked or not, or None."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    return db.session.get(RefreshToken, _refresh_id(value))


def revoke_refresh_family(family_id):
    """A rotated-away refresh token came back: someone holds a copy. Revoke every refresh token
    of its family and their access tokens, so that neither copy goes on working."""
    with unit_of_work() as session:
        family = sa.select(RefreshToken.access_token_id).where(
            RefreshToken.family_id == family_id)
        session.execute(sa.update(AccessToken).where(AccessToken.id.in_(family))
                        .values(revoked=True, updated_at=utcnow())
                        .execution_options(synchronize_session=False))
        session.execute(sa.update(RefreshToken).where(RefreshToken.family_id == family_id)
                        .values(revoked=True).execution_options(synchronize_session=False))


def revoke_tokens_of_code(code_id):
    """An authorization code came back after its exchange: revoke the access token it gave and
    every token descended from it by refresh (RFC 6749 4.1.2)."""
    with unit_of_work() as session:
        access_token_id = session.scalar(
            sa.select(AuthCode.access_token_id).where(AuthCode.id == code_id))
        if not access_token_id:
            return
        # Read first: MySQL refuses an UPDATE that selects from the table it changes.
        families = session.scalars(sa.select(RefreshToken.family_id).where(
            RefreshToken.access_token_id == access_token_id)).all()
        family_tokens = sa.select(RefreshToken.access_token_id).where(
            RefreshToken.family_id.in_(families))
        session.execute(sa.update(AccessToken)
                        .where(sa.or_(AccessToken.id == access_token_id,
                                      AccessToken.id.in_(family_tokens)))
                        .values(revoked=True, updated_at=utcnow())
                        .execution_options(synchronize_session=False))
        session.execute(sa.update(RefreshToken).where(RefreshToken.family_id.in_(families))
                        .values(revoked=True).execution_options(synchronize_session=False))


def revoke_access_token(jti):
    """Mark the token revoked: from now on the guard refuses it. Revoking twice is harmless."""
    with unit_of_work() as session:
        session.execute(sa.update(AccessToken).where(AccessToken.id == jti)
                        .values(revoked=True, updated_at=utcnow()))


def revoke_all_of_user(session, user_id):
    """In the caller's transaction: revoke every access token of the user, their refresh
    tokens, and the user's authorization codes not yet exchanged (a user is being deleted)."""
    now = utcnow()
    session.execute(sa.update(AccessToken).where(AccessToken.user_id == user_id,
                                                 AccessToken.revoked.is_(False))
                    .values(revoked=True, updated_at=now)
                    .execution_options(synchronize_session=False))
    session.execute(sa.update(RefreshToken)
                    .where(RefreshToken.access_token_id.in_(
                        sa.select(AccessToken.id).where(AccessToken.user_id == user_id)),
                           RefreshToken.revoked.is_(False))
                    .values(revoked=True).execution_options(synchronize_session=False))
    session.execute(sa.update(AuthCode).where(AuthCode.user_id == user_id,
                                              AuthCode.revoked.is_(False))
                    .values(revoked=True).execution_options(synchronize_session=False))


def purge_tokens(now=None):
    """Delete what no longer lets anything in, in one transaction; return how many went, by kind.

    - Refresh tokens past `expires_at`. A revoked one is kept until then: presented again, it
      still tells a stolen copy (and revokes its family).
    - Authorization codes past `expires_at` (a used one is kept until then: presented again,
      it revokes the tokens it gave).
    - Access tokens that are revoked or past `expires_at`, unless a remaining refresh token
      points at them. Deleting a revoked row is as safe as keeping it: the guard needs a token's
      row to let it in, and a `jti` (80 random hex digits) is never issued again.

    Rows without `expires_at` never expire.
    """
    now = now or utcnow()
    with unit_of_work() as session:
        refresh_tokens = session.execute(
            sa.delete(RefreshToken).where(RefreshToken.expires_at < now)
            .execution_options(synchronize_session=False)
        ).rowcount
        auth_codes = session.execute(
            sa.delete(AuthCode).where(AuthCode.expires_at < now)
            .execution_options(synchronize_session=False)
        ).rowcount
        access_tokens = session.execute(
            sa.delete(AccessToken)
            .where(sa.or_(AccessToken.revoked.is_(True), AccessToken.expires_at < now),
                   *_not_referenced(AccessToken))
            .execution_options(synchronize_session=False)
        ).rowcount
    return {"access_tokens": access_tokens, "refresh_tokens": refresh_tokens,
            "auth_codes": auth_codes}


def _not_referenced(model):
    """Conditions that hold for a row of `model` no foreign key of any table points at."""
    table = model.__table__
    return [~sa.exists().where(fk.parent == fk.column)
            for other in table.metadata.sorted_tables
            for fk in other.foreign_keys if fk.column.table is table]


TOKEN_MISSING = "El token no existe."


def live_conditions(now):
    """SQL conditions of a token that still lets its holder in (AccessToken.is_active)."""
    return (AccessToken.revoked.is_(False),
            sa.or_(AccessToken.expires_at.is_(None), AccessToken.expires_at > now))


def tokens_for_user(user_id, now=None):
    """The user's tokens for third-party clients (neither personal access nor password clients,
    as Passport lists them) that are neither revoked nor expired, newest first, each with its
    client: one SQL statement."""
    now = now or utcnow()
    return db.session.scalars(
        sa.select(AccessToken)
        .join(AccessToken.client)
        .options(contains_eager(AccessToken.client))
        .where(AccessToken.user_id == user_id, *live_conditions(now),
               OAuthClient.personal_access_client.is_(False),
               OAuthClient.password_client.is_(False))
        .order_by(AccessToken.created_at.desc(), AccessToken.id)).all()


def revoke_user_token(user_id, token_id):
    """Revoke the user's access token and its refresh tokens in one transaction; a 404 when no
    token of the user has this id (Passport's findForUser: a revoked one is revoked again)."""
    if not isinstance(token_id, str) or len(token_id) > 100:
        raise ApiError(TOKEN_MISSING, 404)
    with unit_of_work() as session:
        token = session.scalars(sa.select(AccessToken).where(
            AccessToken.id == token_id, AccessToken.user_id == user_id)).first()
        if token is None:
            raise ApiError(TOKEN_MISSING, 404)
        token.revoked = True
        session.execute(sa.update(RefreshToken)
                        .where(RefreshToken.access_token_id == token.id)
                        .values(revoked=True).execution_options(synchronize_session=False))


def has_valid_token_with_scopes(user_id, client_id, scopes, now=None):
    """Whether the user's newest active token for the client has exactly these scopes
    (Passport's findValidToken, which spares the user a second consent)."""
    token = db.session.scalars(
        sa.select(AccessToken)
        .where(AccessToken.user_id == user_id, AccessToken.client_id == client_id,
               *live_conditions(now or utcnow()))
        .order_by(AccessToken.expires_at.desc()).limit(1)).first()
    return token is not None and sorted(token.scopes or []) == sorted(scopes)
