"""The grants /oauth/token accepts, following Passport's rules for which client may use which."""
from authlib.oauth2.rfc6749 import InvalidClientError, grants
from authlib.oauth2.rfc6749.util import extract_basic_authorization

from wms.oauth.errors import PassportInvalidRequest

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def require_client_id(request):
    """Passport asks for the client id before it checks anything else."""
    try:
        basic_id, _ = extract_basic_authorization(request.headers)
    except UnicodeDecodeError:
        # Basic credentials that are not UTF-8 name no client of ours (Authlib would crash on
        # them later, when it authenticates the client).
        raise InvalidClientError(status_code=401)
    if not (request.payload.client_id or basic_id):
        raise PassportInvalidRequest("client_id")


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def validate_token_request(self):
        require_client_id(self.request)
        super().validate_token_request()
