"""OAuth clients: making them, with the secret shown once and stored as a hash."""
from wms.models import OAuthClient
from wms.security import hash_secret, new_client_secret
from wms.services import unit_of_work


def create_client(*, name, user_id=None, redirect=""):
    """A confidential client (client credentials); returns (client, plain secret)."""
    secret = new_client_secret()
    client = OAuthClient(name=name, user_id=user_id, secret=hash_secret(secret),
                         redirect=redirect, personal_access_client=False,
                         password_client=False, revoked=False)
    with unit_of_work() as session:
        session.add(client)
    return client, secret
