"""OAuth: the authorization server (/oauth/*), the JWT format and keys, the bearer guard."""


def init_oauth(app):
    # Imported here, not at the top: the server pulls in the services, which use this package.
    from wms.oauth.server import init_authorization

    init_authorization(app)
