"""OAuth: the authorization server (/oauth/*), the JWT format and keys, the bearer guard."""
import logging


def init_oauth(app):
    # Imported here, not at the top: the server pulls in the services, which use this package.
    from wms.oauth.server import init_authorization

    # Authlib logs whole tokens at DEBUG ("Issue token {...}"): never let a DEBUG root
    # logger write them out.
    logging.getLogger("authlib").setLevel(logging.INFO)
    init_authorization(app)
