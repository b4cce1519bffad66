"""OAuth: the authorization server (/oauth/*), the JWT format and keys, the bearer guard."""
import logging

from wms.params import CredentialsInQuery


def init_oauth(app):
    # Imported here, not at the top: the server pulls in the services, which use this package.
    from wms.oauth.server import init_authorization

    # Authlib logs whole tokens at DEBUG ("Issue token {...}"): never let a DEBUG root
    # logger write them out.
    logging.getLogger("authlib").setLevel(logging.INFO)
    init_authorization(app)
    app.register_error_handler(CredentialsInQuery, _credentials_in_query)


def _credentials_in_query(error):
    """On the OAuth routes, Passport's invalid_request; elsewhere the API's usual 400."""
    from flask import request

    from wms.oauth.errors import PassportInvalidRequest, passport_error

    if not (request.path == "/oauth" or request.path.startswith("/oauth/")):
        return error.to_dict(), error.status_code
    hint = f"Send `{error.names[0]}` in the request body, never in the URL"
    status, body, headers = passport_error(PassportInvalidRequest(error.names[0], hint))
    return body, status, headers
