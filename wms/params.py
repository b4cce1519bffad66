"""The merged request parameters: query string, then form, then JSON body (Laravel's all());
and the one rule that overrides the merge: credentials never come in the URL."""
import json

from flask import g, request
from marshmallow import ValidationError

from wms.errors import INVALID_PARAMS, ApiError


def _multidict(values):
    """Last value wins, as in PHP; `name[]` keys collect a list, as PHP parses them."""
    merged = {}
    for key, items in values.lists():
        if key.endswith("[]"):
            merged[key[:-2]] = list(items)
        else:
            merged[key] = items[-1]
    return merged


def _json_body():
    if not request.is_json:
        return {}
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
        # Lone surrogates ("\ud800") parse, but no database or header can hold them.
        json.dumps(body, ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        raise ApiError(INVALID_PARAMS, 400, {"body": ["El cuerpo no es JSON valido."]})
    if not isinstance(body, dict):
        raise ApiError(INVALID_PARAMS, 400, {"body": ["El cuerpo JSON debe ser un objeto."]})
    return body


def request_params():
    """The request's parameters as one dict, computed once per request."""
    if "params" not in g:
        params = _multidict(request.args)
        if not request.is_json:
            params.update(_multidict(request.form))
        params.update(_json_body())
        g.params = params
    return g.params


def load(schema, message=INVALID_PARAMS):
    """Validate the request's parameters with a marshmallow schema, or raise a 400 ApiError."""
    try:
        return schema.load(request_params())
    except ValidationError as e:
        raise ApiError(message, 400, e.messages)


# Credentials are read from the body only (RFC 6749 2.3.1, Passport's rule): a URL is kept by
# browsers, proxies and access logs. `code` and `token` are credentials on the OAuth routes only
# (an authorization code; the token of a revocation or introspection).
CREDENTIAL_PARAMS = ("client_secret", "password", "refresh_token", "code_verifier")
OAUTH_CREDENTIAL_PARAMS = CREDENTIAL_PARAMS + ("code", "token")
IN_URL = "Must be sent in the request body, never in the URL."


class CredentialsInQuery(ApiError):
    """A credential in the query string; `names` are the parameters found there."""

    def __init__(self, names):
        super().__init__(INVALID_PARAMS, 400, {name: [IN_URL] for name in names})
        self.names = names


def refuse_credentials_in_query():
    """before_request: a 400, before anything reads or counts the request, when the query
    string carries a credential. An unknown route or method keeps its 404 or 405."""
    if request.routing_exception is not None:
        return
    oauth = request.path == "/oauth" or request.path.startswith("/oauth/")
    names = OAUTH_CREDENTIAL_PARAMS if oauth else CREDENTIAL_PARAMS
    found = [name for name in names if name in request.args or f"{name}[]" in request.args]
    if found:
        raise CredentialsInQuery(found)
