"""OAuth clients: making them, with the secret shown once and stored as a hash."""
from wms.models import OAuthClient
from wms.security import hash_secret, new_client_secret
from wms.services import unit_of_work


def create_client(*, name, user_id=None, redirect="", password=False, public=False):
    """A client; returns (client, plain secret), the secret None for a public client.

    Confidential clients may use client credentials; `password` clients the password grant
    (a public one, like the scanner app, cannot keep a secret and has none).
    """
    secret = None if public else new_client_secret()
    client = OAuthClient(name=name, user_id=user_id,
                         secret=hash_secret(secret) if secret else None,
                         redirect=redirect, personal_access_client=False,
                         password_client=password, revoked=False)
    with unit_of_work() as session:
        session.add(client)
    return client, secret
