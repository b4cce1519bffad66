"""OAuth clients: making them, with the secret shown once and stored as a hash."""
import sqlalchemy as sa

from wms.errors import ApiError
from wms.extensions import db
from wms.models import AccessToken, OAuthClient, RefreshToken
from wms.models.base import utcnow
from wms.values import parse_id
from wms.security import hash_secret, new_client_secret
from wms.services import unit_of_work
from wms.services.sequences import sync_id_sequences

CLIENT_MISSING = "El cliente no existe."


CLIENT_ID_TAKEN = "That client id is taken."


def create_client(*, name, user_id=None, redirect="", password=False, public=False,
                  personal=False, admin=False, client_id=None, secret=None):
    """A client; returns (client, plain secret), the secret None for a public client.

    Confidential clients may use client credentials; `password` clients the password grant
    (a public one, like the scanner app, cannot keep a secret and has none); a `personal` one
    issues personal access tokens. The client-credentials tokens of an `admin` client may
    manage users. `client_id` and `secret` keep an existing app's: the 2019 scanner app has
    its client's id and secret built in.
    """
    if not public:
        secret = secret or new_client_secret()
    client = OAuthClient(id=client_id, name=name, user_id=user_id,
                         secret=hash_secret(secret) if secret else None,
                         redirect=redirect, personal_access_client=personal,
                         password_client=password, revoked=False, admin=bool(admin))
    with unit_of_work() as session:
        if client_id is not None and session.get(OAuthClient, client_id) is not None:
            raise ApiError(CLIENT_ID_TAKEN, 409)
        session.add(client)
        session.flush()
        if client_id is not None:
            sync_id_sequences(OAuthClient)
    return client, None if public else secret


def active_clients_for_user(user_id):
    """The user's clients that are not revoked, by name (Passport's activeForUser)."""
    return db.session.scalars(
        sa.select(OAuthClient)
        .where(OAuthClient.user_id == user_id, OAuthClient.revoked.is_(False))
        .order_by(OAuthClient.name, OAuthClient.id)).all()


def find_user_client(user_id, client_id):
    """The user's active client with this id (a string from the URL), or a 404: another user's,
    a revoked or unknown client, and an id that is not a number all look the same."""
    number = parse_id(client_id)
    if number is None:
        raise ApiError(CLIENT_MISSING, 404)
    client = db.session.scalars(
        sa.select(OAuthClient).where(OAuthClient.id == number,
                                     OAuthClient.user_id == user_id,
                                     OAuthClient.revoked.is_(False))).first()
    if client is None:
        raise ApiError(CLIENT_MISSING, 404)
    return client


def create_user_client(*, user_id, name, redirect, confidential=True):
    """A user's own client (neither a password nor a personal access client): (client, plain
    secret), the secret None for a public client."""
    return create_client(name=name, user_id=user_id, redirect=redirect,
                         public=not confidential)


def update_client(client, *, name, redirect):
    with unit_of_work():
        client.name = name
        client.redirect = redirect
    return client


def revoke_client(client):
    """Revoke the client, every access token issued to it and their refresh tokens, in one
    transaction."""
    with unit_of_work() as session:
        client.revoked = True
        tokens = sa.select(AccessToken.id).where(AccessToken.client_id == client.id)
        session.execute(sa.update(RefreshToken)
                        .where(RefreshToken.access_token_id.in_(tokens))
                        .values(revoked=True).execution_options(synchronize_session=False))
        session.execute(sa.update(AccessToken).where(AccessToken.client_id == client.id)
                        .values(revoked=True, updated_at=utcnow())
                        .execution_options(synchronize_session=False))
