"""OAuth: the authorization server (/oauth/token), the JWT format and keys, the bearer guard."""
from wms.oauth.server import init_authorization


def init_oauth(app):
    init_authorization(app)
